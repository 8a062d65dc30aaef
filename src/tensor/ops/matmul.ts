/**
 * Matrix products on the GPU: C = op(A)·op(B) for 2-D operands and batches of them (3-D, with a 2-D
 * operand broadcast over the batch). Backward reuses the transposed-operand kernels:
 *   dA = g·Bᵀ,  dB = Aᵀ·g      (with op = transpose folded into the kernel's indexing)
 * each computed only when that operand requires grad (an MLP's input batch does not).
 */
import { Tensor } from '../tensor.js';
import { runtime, matmulVariant } from '../context.js';
import { fmt } from '../shape.js';
import { matmulWgsl, matmulGroups, vec4Ok, chooseBlock, type MatmulSpec } from '../../shaders/matmul.js';
import { matmulIntWgsl, MATMUL_INT_WG } from '../../shaders/matmul_int.js';
import { record, check } from './record.js';
import { float } from './elementwise.js';

/** Batched product with optional transposes (an op of its own, so rules can use it). */
export function mm(a: Tensor, b: Tensor, transA = false, transB = false, name = 'matmul'): Tensor {
  check(name, a, 'first operand');
  check(name, b, 'second operand');
  if (a.dtype !== b.dtype) {
    // int32 with float32 promotes to float32; the converted copy lives until the rule has used it
    const [af, bf] = [float(a), float(b)];
    const out = mm(af, bf, transA, transB, name);
    const temps = [af, bf].filter((t, i) => t !== [a, b][i]);
    const node = out.node;
    if (!node) temps.forEach((t) => t.dispose());
    else {
      const rule = node.backward;
      node.backward = (g, needs) => {
        const grads = rule(g, needs);
        temps.forEach((t) => t.dispose());
        return grads;
      };
    }
    return out;
  }
  const bad = (why: string) =>
    new Error(`webgrad.${name}: cannot multiply ${fmt(a.shape)} by ${fmt(b.shape)}: ${why}`);
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
  if (a.dtype === 'int32') {
    // int32 @ int32: exact integer products (no gradient: integer tensors cannot require grad)
    const ci = Tensor.empty(outShape, 'int32', name);
    if (M * N * batch > 0) {
      runtime().dispatch({
        wgsl: matmulIntWgsl(transA, transB),
        buffers: { A: a.buffer(name), B: b.buffer(name), C: ci.buffer(name) },
        uniforms: { M, N, K: Ka, sA: ba === 1 ? 0 : M * Ka, sB: bb === 1 ? 0 : Ka * N },
        workgroups: [Math.ceil(N / MATMUL_INT_WG), Math.ceil(M / MATMUL_INT_WG), batch],
      });
    }
    return ci;
  }
  const c = Tensor.empty(outShape, 'float32', name);
  const variant = matmulVariant();
  const vec4 = vec4Ok(M, N, Ka, transA, transB);
  const spec: MatmulSpec = { transA, transB, variant, vec4, block: chooseBlock(M, N, batch) };
  if (M * N * batch > 0 && Ka === 0) {
    runtime().write(c.buffer(name), new Float32Array(c.size)); // an empty inner dimension sums to zero
  } else if (M * N * batch > 0) {
    runtime().dispatch({
      wgsl: matmulWgsl(spec),
      buffers: { A: a.buffer(name), B: b.buffer(name), C: c.buffer(name) },
      uniforms: { M, N, K: Ka, sA: ba === 1 ? 0 : M * Ka, sB: bb === 1 ? 0 : Ka * N },
      workgroups: matmulGroups(spec, M, N, batch),
      label: `${name} ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'}`,
    });
  }
  return record(c, name, [a, b], (g, needs) => [
    !needs[0] ? null : transA ? mm(b, g, transB, true) : mm(g, b, false, !transB),
    !needs[1] ? null : transB ? mm(g, a, true, transA) : mm(a, g, !transA, false),
  ]);
}

/** torch.matmul for 2-D and batched 3-D operands. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return mm(a, b, false, false, 'matmul');
}
