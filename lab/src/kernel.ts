/**
 * "Show the kernel": the WGSL that the selected optimizer's step() really dispatches, from
 * opt.kernelSource(p) (the same text the pipeline cache compiles), beside the rule as the paper writes it.
 */
import * as wg from 'webgrad';
import { OPTIMIZERS } from './optimizers.js';
import { h, select, toggle } from './ui.js';
import { lab } from './hooks.js';

const VARIANTS: Record<string, { base: string; label: string; extra?: Record<string, unknown> }> = {
  sgd: { base: 'sgd', label: 'SGD' },
  momentum: { base: 'momentum', label: 'SGD, momentum 0.9' },
  nesterov: { base: 'nesterov', label: 'SGD, Nesterov momentum' },
  sgdwd: { base: 'momentum', label: 'SGD, momentum + weight decay', extra: { weightDecay: 1e-4 } },
  adam: { base: 'adam', label: 'Adam' },
  amsgrad: { base: 'adam', label: 'Adam, amsgrad', extra: { amsgrad: true } },
  adamw: { base: 'adamw', label: 'AdamW' },
  rmsprop: { base: 'rmsprop', label: 'RMSprop' },
  rmspropc: { base: 'rmsprop', label: 'RMSprop, centered + momentum', extra: { centered: true, momentum: 0.9 } },
  adagrad: { base: 'adagrad', label: 'Adagrad' },
  adamax: { base: 'adamax', label: 'Adamax' },
  nadam: { base: 'nadam', label: 'NAdam' },
  radam: { base: 'radam', label: 'RAdam' },
  adadelta: { base: 'adadelta', label: 'Adadelta' },
  lion: { base: 'lion', label: 'Lion' },
};

export function mountKernel(root: HTMLElement): void {
  const which = select('kernel.opt', 'Optimizer', Object.entries(VARIANTS).map(([k, v]) => [k, v.label]), 'adam', () => show());
  const width = select('kernel.width', 'Parameter size', [['vec4', 'multiple of 4 (vec4 lanes)'], ['scalar', 'odd size (f32 lanes)']], 'vec4', () => show());
  const foreach = toggle('kernel.foreach', 'foreach (one dispatch per param group, from an arena)', false, () => show());
  const guard = toggle('kernel.guard', 'skipNonFinite (skip the step on NaN/Inf, on the GPU)', false, () => show());
  const rule = h('p', { class: 'formula' });
  const info = h('p', { class: 'status' });
  const pre = h('pre', { class: 'wgsl', id: 'kernel-source' });
  root.append(
    h('p', {}, 'The fused update kernel the optimizer dispatches once per parameter tensor (or once per param group with foreach): it reads p, g and the state once and writes them once. Scalars such as lr and the bias corrections arrive in a uniform buffer, so a schedule never recompiles it.'),
    h('div', { class: 'controls' }, which.el, width.el, foreach.el, guard.el),
    rule,
    info,
    pre,
  );

  function show(): void {
    const v = VARIANTS[which.value];
    const spec = OPTIMIZERS[v.base];
    const p = wg.zeros([width.value === 'vec4' ? 8 : 7], { requiresGrad: true });
    const opt = spec.make([p], spec.lr, spec.beta ?? 0, { ...v.extra, foreach: foreach.value, skipNonFinite: guard.value });
    try {
      const source = opt.kernelSource(p);
      rule.textContent = `${v.label}: ${spec.rule}`;
      info.textContent = `${source.split('\n').length} lines of WGSL, ${source.length} characters; opt.kernelSource(p) returns it.`;
      pre.textContent = source;
      lab.kernel = { variant: which.value, source };
    } finally {
      opt.dispose();
      p.dispose();
    }
  }
  show();
}
