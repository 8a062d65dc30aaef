/**
 * Convolution and pooling modules (torch.nn.Conv2d, MaxPool2d, AvgPool2d) over NCHW images; their
 * forward is the functional op (src/tensor/ops/conv.ts, pool.ts).
 */
import { Tensor, Generator, conv2d, maxPool2d, avgPool2d, fmt, type Pair } from '../tensor/index.js';
import { Module, Parameter } from './module.js';
import { kaimingUniform, uniform, calculateFanInAndFanOut } from './init.js';

/** Options of {@link Conv2d}. */
export interface Conv2dModuleOptions {
  stride?: Pair;
  padding?: Pair | 'valid' | 'same';
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  /** Draw the initial values from this generator (default: the global one, wg.manualSeed). */
  generator?: Generator;
}

const show = (v: unknown) => (Array.isArray(v) ? `(${v.join(', ')})` : typeof v === 'string' ? `'${v}'` : String(v));

/**
 * y = conv2d(x, weight, bias) with weight [outChannels, inChannels/groups, kH, kW] (torch's layout).
 * Init as torch: kaimingUniform(weight, { a: √5 }) = U(−1/√fanIn, 1/√fanIn) with
 * fanIn = inChannels/groups·kH·kW, and bias ~ U(−1/√fanIn, 1/√fanIn).
 */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly stride: Pair;
  readonly padding: Pair | 'valid' | 'same';
  readonly dilation: Pair;
  readonly groups: number;

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, o: Conv2dModuleOptions = {}) {
    super();
    const { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true, generator } = o;
    const who = `nn.Conv2d(${inChannels}, ${outChannels}, ${show(kernelSize)})`;
    for (const [k, v] of [['inChannels', inChannels], ['outChannels', outChannels], ['groups', groups]] as const) {
      if (!Number.isInteger(v) || v < (k === 'groups' ? 1 : 0)) throw new Error(`webgrad.${who}: ${k} must be a ${k === 'groups' ? 'positive' : 'non-negative'} integer (got ${v})`);
    }
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new Error(`webgrad.${who}: groups=${groups} must divide inChannels (${inChannels}) and outChannels (${outChannels})`);
    }
    const k = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    if (!Array.isArray(k) || k.length !== 2 || !k.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new Error(`webgrad.${who}: kernelSize must be a positive integer or a pair [kH, kW] of them`);
    }
    this.kernelSize = [k[0], k[1]];
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    this.groups = groups;
    this.weight = Parameter(kaimingUniform(Tensor.empty([outChannels, inChannels / groups, k[0], k[1]]), { a: Math.sqrt(5), generator }));
    if (bias) {
      const { fanIn } = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      this.bias = Parameter(uniform(Tensor.empty([outChannels]), -bound, bound, { generator }));
    } else {
      this.bias = null;
    }
  }

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new Error(`webgrad.nn.Conv2d: forward expects a Tensor (got ${typeof x})`);
    const c = x.ndim === 4 ? x.shape[1] : x.ndim === 3 ? x.shape[0] : -1;
    if (c !== this.inChannels) {
      throw new Error(`webgrad.nn.Conv2d(${this.inChannels}, ${this.outChannels}): expected input [N, ${this.inChannels}, H, W] (or [${this.inChannels}, H, W]), got shape ${fmt(x.shape)}`);
    }
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${show(this.kernelSize)}, stride=${show(this.stride)}` +
      `${this.padding !== 0 ? `, padding=${show(this.padding)}` : ''}${this.dilation !== 1 ? `, dilation=${show(this.dilation)}` : ''}` +
      `${this.groups !== 1 ? `, groups=${this.groups}` : ''}${this.bias ? '' : ', bias=false'}`;
  }
}

/** Max over kernelSize windows (torch.nn.MaxPool2d); stride defaults to kernelSize. */
export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: { stride?: Pair | null; padding?: Pair; dilation?: Pair } = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }
  protected override extraRepr(): string {
    return `kernelSize=${show(this.kernelSize)}, stride=${show(this.options.stride ?? this.kernelSize)}, padding=${show(this.options.padding ?? 0)}`;
  }
}

/** Mean over kernelSize windows, padding counted as zeros (torch.nn.AvgPool2d); stride defaults to kernelSize. */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: { stride?: Pair | null; padding?: Pair } = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }
  protected override extraRepr(): string {
    return `kernelSize=${show(this.kernelSize)}, stride=${show(this.options.stride ?? this.kernelSize)}, padding=${show(this.options.padding ?? 0)}`;
  }
}
