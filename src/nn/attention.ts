/**
 * The transformer's layers: Embedding, LayerNorm and MultiheadAttention (torch.nn's, batchFirst),
 * with torch's parameter names and initialisation, so state dicts map one to one.
 */
import {
  Tensor, Generator, mm, add, mean, fmt, sameShape, embedding, layerNorm, attention, attentionWeights, maskOf,
  type AttentionSpec, type HeadView, type Index,
} from '../tensor/index.js';
import { Module, Parameter } from './module.js';
import { Linear } from './layers.js';
import { normal, ones, zeros, xavierUniform } from './init.js';

const positive = (who: string, k: string, v: number) => {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`webgrad.nn.${who}: ${k} must be a positive integer (got ${v})`);
};

/** A table of numEmbeddings vectors of size embeddingDim, looked up by int32 index (torch.nn.Embedding); weight ~ N(0, 1). */
export class Embedding extends Module {
  readonly weight: Tensor;
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, { generator }: { generator?: Generator } = {}) {
    super();
    positive('Embedding', 'numEmbeddings', numEmbeddings);
    positive('Embedding', 'embeddingDim', embeddingDim);
    this.weight = Parameter(normal(Tensor.empty([numEmbeddings, embeddingDim]), 0, 1, { generator }));
  }
  /** index: int32, any shape → [...index.shape, embeddingDim]. */
  forward(index: Index): Tensor {
    return embedding(index, this.weight);
  }
  protected override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}`;
  }
}

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions {
  eps?: number;
  /** Learnable weight (init 1) and bias (init 0) of normalizedShape; default true. */
  elementwiseAffine?: boolean;
}

/** Layer normalisation over the trailing normalizedShape dims (torch.nn.LayerNorm). */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  constructor(normalizedShape: number | readonly number[], { eps = 1e-5, elementwiseAffine = true }: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.normalizedShape.forEach((d) => positive('LayerNorm', 'normalizedShape', d));
    this.eps = eps;
    this.weight = elementwiseAffine ? Parameter(ones(Tensor.empty(this.normalizedShape))) : null;
    this.bias = elementwiseAffine ? Parameter(zeros(Tensor.empty(this.normalizedShape))) : null;
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, { eps: this.eps });
  }
  protected override extraRepr(): string {
    return `${fmt(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}

/** Options of MultiheadAttention.forward. */
export interface MhaForwardOptions {
  /** [Tq, Tk] or [B·numHeads, Tq, Tk]: float32 added to the scores, or int32 where nonzero masks (torch's bool True). */
  attnMask?: Tensor | null;
  /** Mask future keys (j > i) by index, without a mask tensor. */
  isCausal?: boolean;
  /** Also return the attention weights averaged over heads, [B, Tq, Tk] (computed without gradient). */
  needWeights?: boolean;
}

/**
 * Multi-head attention (Vaswani et al. 2017, https://arxiv.org/abs/1706.03762), torch.nn.MultiheadAttention
 * with batchFirst: inputs [B, T, E];
 *   [q k v] = x·inProjWeightᵀ + inProjBias,  head h = softmax(q_h·k_hᵀ/√D + mask)·v_h,  out = outProj(concat heads)
 * For self-attention (query, key and value the same tensor) one product gives the [B, T, 3E] projection
 * and the attention kernels read the heads from it and write them merged: no split or merge copies.
 * Otherwise each distinct input is projected by the whole inProjWeight and the needed third is read
 * (simple, at 3× the projection work). Init as torch: xavierUniform(inProjWeight), zero biases.
 */
export class MultiheadAttention extends Module {
  readonly inProjWeight: Tensor;
  readonly inProjBias: Tensor | null;
  readonly outProj: Linear;
  readonly headDim: number;
  constructor(readonly embedDim: number, readonly numHeads: number, { bias = true, generator }: { bias?: boolean; generator?: Generator } = {}) {
    super();
    positive('MultiheadAttention', 'embedDim', embedDim);
    positive('MultiheadAttention', 'numHeads', numHeads);
    if (embedDim % numHeads !== 0) throw new Error(`webgrad.nn.MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    this.headDim = embedDim / numHeads;
    this.inProjWeight = Parameter(xavierUniform(Tensor.empty([3 * embedDim, embedDim]), { generator }));
    this.inProjBias = bias ? Parameter(zeros(Tensor.empty([3 * embedDim]))) : null;
    this.outProj = new Linear(embedDim, embedDim, { bias, generator });
    if (this.outProj.bias) zeros(this.outProj.bias);
  }

  /** Attention of query [B, Tq, E] over key and value [B, Tk, E] (default: query itself): [B, Tq, E]. */
  forward(query: Tensor, key?: Tensor, value?: Tensor, o?: MhaForwardOptions & { needWeights?: false }): Tensor;
  /** With needWeights: [output, the attention weights averaged over heads, [B, Tq, Tk]]. */
  forward(query: Tensor, key: Tensor, value: Tensor, o: MhaForwardOptions & { needWeights: true }): [Tensor, Tensor];
  forward(query: Tensor, key: Tensor = query, value: Tensor = key, o: MhaForwardOptions = {}): Tensor | [Tensor, Tensor] {
    const E = this.embedDim;
    const who = `nn.MultiheadAttention(${E}, ${this.numHeads})`;
    for (const [what, t] of [['query', query], ['key', key], ['value', value]] as const) {
      if (!(t instanceof Tensor)) throw new Error(`webgrad.${who}: ${what} must be a Tensor`);
      if (t.ndim !== 3 || t.shape[2] !== E) throw new Error(`webgrad.${who}: ${what} must be [B, T, ${E}] (batchFirst; got ${fmt(t.shape)})`);
    }
    const [B, Tq] = query.shape;
    const Tk = key.shape[1];
    if (key.shape[0] !== B || !sameShape(key.shape, value.shape)) {
      throw new Error(`webgrad.${who}: key ${fmt(key.shape)} and value ${fmt(value.shape)} must have the same shape, with query's batch (${fmt(query.shape)})`);
    }
    const H = this.numHeads;
    const D = this.headDim;
    const m = o.attnMask ?? null;
    if (m && m.ndim !== 2 && !(m.ndim === 3 && m.shape[0] === B * H)) {
      throw new Error(`webgrad.${who}: attnMask must be [Tq, Tk] = [${Tq}, ${Tk}] or [B·numHeads, Tq, Tk] = [${B * H}, ${Tq}, ${Tk}] (got ${fmt(m.shape)})`);
    }
    // a [B·H, Tq, Tk] mask is read as [B, H, Tq, Tk] through its strides
    const mask = maskOf(`${who}`, m, [B * H, 1, Tq, Tk], true, 'block');
    if (mask) mask.strides = [mask.strides[0] * H, mask.strides[0], mask.strides[2], mask.strides[3]];
    // each distinct input projected once to [B, T, 3E]
    const proj = new Map<Tensor, Tensor>();
    const tmp: Tensor[] = [];
    for (const t of [query, key, value]) {
      if (proj.has(t)) continue;
      const xw = mm(t, this.inProjWeight, false, true, 'nn.MultiheadAttention');
      proj.set(t, this.inProjBias ? add(xw, this.inProjBias) : xw);
      tmp.push(xw, proj.get(t)!);
    }
    const view = (t: Tensor, part: number): HeadView => ({ off: part * E, sB: t.shape[1] * 3 * E, sH: D, sT: 3 * E });
    const spec: AttentionSpec = {
      B, H, Tq, Tk, D, scale: 1 / Math.sqrt(D), causal: o.isCausal ?? false,
      q: view(query, 0), k: view(key, 1), v: view(value, 2),
      outShape: [B, Tq, E], o: { off: 0, sB: Tq * E, sH: D, sT: E },
      mask,
    };
    const [pq, pk, pv] = [proj.get(query)!, proj.get(key)!, proj.get(value)!];
    const heads = attention(pq, pk, pv, spec);
    const out = this.outProj.forward(heads);
    let weights: Tensor | null = null;
    if (o.needWeights) {
      const p = attentionWeights(pq, pk, pv, spec);
      weights = mean(p, 1);
      p.dispose();
    }
    if (!out.node) {
      // nothing recorded (noGrad): free the intermediates now
      for (const t of new Set([...tmp, heads])) t.dispose();
    }
    return weights ? [out, weights] : out;
  }

  protected override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, bias=${this.inProjBias !== null}`;
  }
}
