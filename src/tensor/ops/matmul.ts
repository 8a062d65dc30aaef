/**
 * Matrix products on the GPU: C = op(A)·op(B) for 2-D operands and batches of them (3-D, with a 2-D
 * operand broadcast over the batch). Backward reuses the transposed-operand kernels:
 *   dA = g·Bᵀ,  dB = Aᵀ·g      (with op = transpose folded into the kernel's indexing)
 * each computed only when that operand requires grad (an MLP's input batch does not).
 */
import type { Tensor } from '../tensor.js';
import { runtime, matmulVariant } from '../context.js';
import { fmt } from '../shape.js';
import { matmulWgsl, matmulTile, vec4Ok, chooseBlock, type MatmulSpec } from '../../shaders/matmul.js';
import { matmulIntWgsl, MATMUL_INT_WG } from '../../shaders/matmul_int.js';
import { check } from './record.js';
import { float, add } from './elementwise.js';
import { sumTo } from './reduce.js';
import { defineOp } from './op.js';

/**
 * Batched product with optional transposes (an op of its own, so rules can use it); `name` names the
 * caller in errors. A float32 `bias` of shape [N] is added to every row inside the kernel's store
 * (linear's bias: one dispatch, the same rounding as a separate add).
 */
export const mm: (a: Tensor, b: Tensor, transA?: boolean, transB?: boolean, name?: string, bias?: Tensor | null) => Tensor = defineOp({
  name: 'matmul',
  forward: (ctx, a: Tensor, b: Tensor, transA = false, transB = false, name = 'matmul', bias: Tensor | null = null) => {
    check(name, a, 'first operand');
    check(name, b, 'second operand');
    const bad = (why: string) => new Error(`webgrad.${name}: cannot multiply ${fmt(a.shape)} by ${fmt(b.shape)}: ${why}`);
    if (a.ndim < 2 || a.ndim > 3 || b.ndim < 2 || b.ndim > 3) throw bad('operands must be 2-D or 3-D (batched); reshape first');
    const [M, Ka] = transA ? [a.shape[a.ndim - 1], a.shape[a.ndim - 2]] : [a.shape[a.ndim - 2], a.shape[a.ndim - 1]];
    const [Kb, N] = transB ? [b.shape[b.ndim - 1], b.shape[b.ndim - 2]] : [b.shape[b.ndim - 2], b.shape[b.ndim - 1]];
    if (Ka !== Kb) throw bad(`inner dimensions differ (${Ka} vs ${Kb}); the first operand's columns must equal the second's rows`);
    const ba = a.ndim === 3 ? a.shape[0] : 1;
    const bb = b.ndim === 3 ? b.shape[0] : 1;
    if (ba !== bb && ba !== 1 && bb !== 1) throw bad(`batch sizes ${ba} and ${bb} differ`);
    const batch = Math.max(ba, bb);
    if (batch > 65535) throw bad(`batch ${batch} exceeds 65535`);
    const outShape = a.ndim === 3 || b.ndim === 3 ? [batch, M, N] : [M, N];
    const uniforms = { M, N, K: Ka, sA: ba === 1 ? 0 : M * Ka, sB: bb === 1 ? 0 : Ka * N };
    if (bias && (bias.ndim !== 1 || bias.shape[0] !== N || bias.dtype !== 'float32')) throw bad(`a fused bias must be float32 of shape [${N}] (got ${bias.dtype} ${fmt(bias.shape)})`);
    if (a.dtype === 'int32' && b.dtype === 'int32' && !bias) {
      // int32 @ int32: exact integer products (no gradient: integer tensors cannot require grad)
      const C = ctx.empty(outShape, 'int32');
      ctx.launch({ wgsl: matmulIntWgsl(transA, transB), buffers: { A: a, B: b, C }, uniforms, work: { tiles: [N, M, batch], size: [MATMUL_INT_WG, MATMUL_INT_WG] } });
      return C;
    }
    // int32 with float32 promotes to float32; the rule multiplies by the converted copies, kept until it has run
    const [A, B] = [float(a), float(b)];
    ctx.save(A, B);
    const C = ctx.empty(outShape);
    const fuse = !!bias && Ka > 0;
    const spec: MatmulSpec = { transA, transB, variant: matmulVariant(), vec4: vec4Ok(M, N, Ka, transA, transB), block: chooseBlock(M, N, batch, runtime().cores), bias: fuse };
    if (Ka === 0) {
      if (C.size > 0) runtime().write(C.buffer(name), new Float32Array(C.size)); // an empty inner dimension sums to zero
      if (bias) return add(C, bias);
    } else {
      const label = `${name} ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'}${fuse ? ' + bias' : ''}`;
      ctx.launch({ wgsl: matmulWgsl(spec), buffers: fuse ? { A, B, C, bias: bias! } : { A, B, C }, uniforms, work: { tiles: [N, M, batch], size: matmulTile(spec) }, label });
    }
    return C;
  },
  backward: (ctx, g, _a, _b, transA = false, transB = false, _name, bias = null) => {
    const [a, b] = ctx.saved;
    return [
      !ctx.needs[0] ? null : transA ? mm(b, g, transB, true) : mm(g, b, false, !transB),
      !ctx.needs[1] ? null : transB ? mm(g, a, true, transA) : mm(a, g, !transA, false),
      ...(bias ? [ctx.needs[2] ? sumTo(g, bias.shape) : null] : []),
    ];
  },
});

/** torch.matmul for 2-D and batched 3-D operands. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return mm(a, b, false, false, 'matmul');
}
