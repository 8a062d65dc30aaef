/**
 * Optimizer state in torch's names, for checkpoints that move between webgrad and PyTorch.
 *
 *   toTorchStateDict(opt)          → { state: { [i]: { step, exp_avg, ... } }, param_groups: [{ params, lr, weight_decay, ... }] }
 *   fromTorchStateDict(opt, sd)    → a webgrad state dict for opt.loadStateDict(...)
 *
 * State entries are renamed (m → exp_avg, v → exp_avg_sq or square_avg, vmax → max_exp_avg_sq,
 * buf → momentum_buffer, stateSum → sum, accDelta → acc_delta, ...), group options go to snake_case
 * (weightDecay → weight_decay), and `step` / `mu_product` become 0-d float32 tensors, as torch >= 1.12
 * keeps them. SGD keeps no step in torch. Saved with wg.save, the result opens in Python as safetensors
 * (test/fixtures/webgrad_checkpoint.py reads and writes that layout with struct and json only).
 */
import { Tensor, tensor } from '../tensor/index.js';
import type { Optimizer, OptimizerStateDict, ParamState, StateValue } from './optimizer.js';
import { fail } from './validate.js';
import { SGD } from './sgd.js';
import { RMSprop } from './rmsprop.js';
import { Adadelta } from './adadelta.js';

/** torch's optimizer state_dict layout. */
export type TorchOptimizerStateDict = {
  state: { [paramIndex: number]: { [key: string]: unknown } };
  param_groups: ({ params: number[] } & { [option: string]: unknown })[];
};

const SPECIAL: Record<string, string> = {
  m: 'exp_avg',
  v: 'exp_avg_sq',
  vmax: 'max_exp_avg_sq',
  buf: 'momentum_buffer',
  gAvg: 'grad_avg',
  stateSum: 'sum',
  hDiag: 'H_diag',
};
/** Entries torch keeps as 0-d tensors. */
const TENSOR_SCALARS = new Set(['step', 'mu_product']);

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function stateName(opt: Optimizer<{ lr: number }>, key: string): string {
  if (key === 'v' && (opt instanceof RMSprop || opt instanceof Adadelta)) return 'square_avg';
  return SPECIAL[key] ?? snake(key);
}

function webgradName(opt: Optimizer<{ lr: number }>, tk: string): string {
  if (tk === 'square_avg' && (opt instanceof RMSprop || opt instanceof Adadelta)) return 'v';
  const special = Object.entries(SPECIAL).find(([, t]) => t === tk);
  return special ? special[0] : tk.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The optimizer's state and groups in torch's names, ready for wg.save and torch's load_state_dict. */
export function toTorchStateDict(opt: Optimizer<{ lr: number }>): TorchOptimizerStateDict {
  const sd = opt.stateDict();
  const state: TorchOptimizerStateDict['state'] = {};
  for (const [i, st] of Object.entries(sd.state)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(st)) {
      if (k === 'step' && opt instanceof SGD) continue;
      const name = stateName(opt, k);
      out[name] = TENSOR_SCALARS.has(name) && typeof v === 'number' ? tensor([v], []) : v;
    }
    state[Number(i)] = out;
  }
  const param_groups = sd.paramGroups.map((g) => Object.fromEntries(Object.entries(g).map(([k, v]) => [snake(k), v])) as TorchOptimizerStateDict['param_groups'][number]);
  return { state, param_groups };
}

/**
 * A torch optimizer state_dict (tensors already webgrad tensors, e.g. from wg.load) as a state dict
 * for `opt.loadStateDict`. Group options torch has and webgrad does not (foreach, capturable, ...)
 * are dropped; options webgrad has and the file lacks keep the optimizer's current values.
 */
export async function fromTorchStateDict(opt: Optimizer<{ lr: number }>, sd: TorchOptimizerStateDict): Promise<OptimizerStateDict> {
  const who = `${opt.constructor.name}.fromTorchStateDict`;
  if (!sd || typeof sd !== 'object' || !Array.isArray(sd.param_groups) || typeof sd.state !== 'object') {
    fail(who, 'expects torch\'s { state, param_groups } (optimizer.state_dict() in PyTorch)');
  }
  if (sd.param_groups.length !== opt.paramGroups.length) {
    fail(who, `the state dict has ${sd.param_groups.length} param groups, this optimizer has ${opt.paramGroups.length}`);
  }
  const paramGroups = sd.param_groups.map((tg, i) => {
    const out: OptimizerStateDict['paramGroups'][number] = { params: [...tg.params] };
    for (const [k, v] of Object.entries(opt.paramGroups[i])) {
      if (k === 'params') continue;
      const tk = snake(k);
      out[k] = tk in tg ? tg[tk] : v;
    }
    return out;
  });
  const state: OptimizerStateDict['state'] = {};
  for (const [i, st] of Object.entries(sd.state)) {
    const out: ParamState = {};
    for (const [tk, v] of Object.entries(st)) {
      if (v === null || v === undefined) continue; // torch's momentum_buffer: None
      const key = webgradName(opt, tk);
      if (TENSOR_SCALARS.has(tk) && v instanceof Tensor) {
        if (v.size !== 1) fail(who, `state ${i}.${tk} should hold one value, it has shape [${v.shape.join(', ')}]`);
        out[key] = (await v.toArray())[0];
      } else {
        out[key] = v as StateValue;
      }
    }
    if (opt instanceof SGD && out.step === undefined) out.step = out.buf ? 1 : 0; // torch's SGD keeps no step
    state[Number(i)] = out;
  }
  return { state, paramGroups };
}
