/**
 * nn.init: fill a tensor in place (its GPU buffer is overwritten, the tensor object stays the same),
 * as torch.nn.init does. Random values come from the seeded CPU generator of the tensor layer
 * (wg.manualSeed, or { generator }), so an initialisation is reproducible on every adapter.
 *
 * Fans (torch's _calculate_fan_in_and_fan_out), for a weight of shape [out, in, k1, k2, ...]:
 *   fanIn = in·k1·k2·...,  fanOut = out·k1·k2·...     (at least 2 dims)
 * https://pytorch.org/docs/stable/nn.init.html
 *
 * @module
 */
import { Tensor, Generator, defaultGenerator, runtime, fmt } from '../tensor/index.js';

/** The activations calculateGain knows (torch.nn.init.calculate_gain). */
export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/** Where an initialiser draws its random numbers: a given generator, or the default one (seeded by manualSeed). */
export interface RandomInit {
  /** Draw from this generator instead of the default one. */
  generator?: Generator;
}

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    case 'linear': case 'sigmoid':
    case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d':
      return 1;
    default:
      throw new Error(`webgrad.nn.init.calculateGain: unsupported nonlinearity '${nonlinearity}'`);
  }
}

/** Fan-in and fan-out of a weight of shape [out, in, k1, ...] (torch's _calculate_fan_in_and_fan_out). */
export function calculateFanInAndFanOut(t: Tensor, who = 'calculateFanInAndFanOut'): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) {
    throw new Error(`webgrad.nn.init.${who}: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape ${fmt(t.shape)})`);
  }
  const receptive = t.shape.slice(2).reduce((p, d) => p * d, 1);
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

function fill(t: Tensor, who: string, value: (i: number) => number): Tensor {
  if (!(t instanceof Tensor)) throw new Error(`webgrad.nn.init.${who}: expected a Tensor`);
  const data = t.dtype === 'int32' ? new Int32Array(t.size) : new Float32Array(t.size);
  for (let i = 0; i < data.length; i++) data[i] = value(i);
  runtime().write(t.buffer(`nn.init.${who}`), data);
  return t;
}
const gen = (o: RandomInit) => o.generator ?? defaultGenerator;

/** U(a, b) */
export function uniform(t: Tensor, a = 0, b = 1, o: RandomInit = {}): Tensor {
  const g = gen(o);
  return fill(t, 'uniform', () => a + (b - a) * g.next());
}
/** N(mean, std²) */
export function normal(t: Tensor, mean = 0, std = 1, o: RandomInit = {}): Tensor {
  const g = gen(o);
  return fill(t, 'normal', () => mean + std * g.normal());
}
/** Fill `t` with `value` in place (torch.nn.init.constant_). */
export const constant = (t: Tensor, value: number): Tensor => fill(t, 'constant', () => value);
/** Fill `t` with 0 in place (torch.nn.init.zeros_). */
export const zeros = (t: Tensor): Tensor => fill(t, 'zeros', () => 0);
/** Fill `t` with 1 in place (torch.nn.init.ones_). */
export const ones = (t: Tensor): Tensor => fill(t, 'ones', () => 1);

/** Options of xavierUniform / xavierNormal: the gain (default 1). */
export interface XavierOptions extends RandomInit {
  gain?: number;
}
/**
 * Glorot & Bengio 2010 (https://proceedings.mlr.press/v9/glorot10a.html):
 *   std = gain·√(2/(fanIn+fanOut));  xavierUniform: U(−√3·std, √3·std),  xavierNormal: N(0, std²)
 */
export function xavierUniform(t: Tensor, o: XavierOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t, 'xavierUniform');
  const bound = Math.sqrt(3) * (o.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  return uniform(t, -bound, bound, o);
}
/** Fill `t` in place from N(0, std²), std = gain·sqrt(2 / (fanIn + fanOut)) (torch.nn.init.xavier_normal_). */
export function xavierNormal(t: Tensor, o: XavierOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t, 'xavierNormal');
  return normal(t, 0, (o.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), o);
}

/** Options of kaimingUniform / kaimingNormal (torch's a, mode and nonlinearity). */
export interface KaimingOptions extends RandomInit {
  /** Negative slope of the leaky ReLU that follows (used when nonlinearity is 'leaky_relu'). Default 0. */
  a?: number;
  /** 'fan_in' (default) keeps the forward variance, 'fan_out' the backward one. */
  mode?: 'fan_in' | 'fan_out';
  /** Default 'leaky_relu' (with a = 0 that is ReLU's gain √2). */
  nonlinearity?: Nonlinearity;
}
/**
 * He et al. 2015 (https://arxiv.org/abs/1502.01852):
 *   std = gain/√fan;  kaimingUniform: U(−√3·std, √3·std),  kaimingNormal: N(0, std²)
 * nn.Linear uses kaimingUniform with a = √5, which gives U(−1/√fanIn, 1/√fanIn).
 */
function kaimingStd(t: Tensor, who: string, o: KaimingOptions): number {
  const mode = o.mode ?? 'fan_in';
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new Error(`webgrad.nn.init.${who}: mode must be 'fan_in' or 'fan_out' (got '${mode}')`);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t, who);
  const fan = mode === 'fan_in' ? fanIn : fanOut;
  if (fan === 0) throw new Error(`webgrad.nn.init.${who}: cannot initialise a tensor with a zero ${mode} (shape ${fmt(t.shape)})`);
  return calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan);
}
/** Fill `t` in place from U(-b, b), b = gain·sqrt(3 / fan) (torch.nn.init.kaiming_uniform_). */
export function kaimingUniform(t: Tensor, o: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, 'kaimingUniform', o);
  return uniform(t, -bound, bound, o);
}
/** Fill `t` in place from N(0, std²), std = gain / sqrt(fan) (torch.nn.init.kaiming_normal_). */
export function kaimingNormal(t: Tensor, o: KaimingOptions = {}): Tensor {
  return normal(t, 0, kaimingStd(t, 'kaimingNormal', o), o);
}
