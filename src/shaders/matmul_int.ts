/**
 * Integer matrix product, C = op(A)·op(B) for int32 operands (batched like matmul.ts): one thread per
 * output accumulating in i32, which wraps on overflow as torch's int32 does. Integer matmuls are rare
 * and small (index arithmetic, counting), so this is the plain kernel, not the tuned float schedules.
 */
import { kernel } from './kernel.js';

export const MATMUL_INT_WG = 8;

export function matmulIntWgsl(transA: boolean, transB: boolean): string {
  return kernel({
    bindings: [
      { name: 'A', type: 'i32', access: 'read' },
      { name: 'B', type: 'i32', access: 'read' },
      { name: 'C', type: 'i32', access: 'read_write' },
    ],
    uniforms: [['M', 'u32'], ['N', 'u32'], ['K', 'u32'], ['sA', 'u32'], ['sB', 'u32']],
    workgroupSize: [MATMUL_INT_WG, MATMUL_INT_WG],
    body: `
  let i = gid.y;
  let j = gid.x;
  let b = gid.z;
  if (i >= u.M || j >= u.N) { return; }
  var acc: i32 = 0;
  for (var k = 0u; k < u.K; k++) {
    acc += A[b * u.sA + ${transA ? 'k * u.M + i' : 'i * u.K + k'}] * B[b * u.sB + ${transB ? 'j * u.K + k' : 'k * u.N + j'}];
  }
  C[(b * u.M + i) * u.N + j] = acc;`,
  });
}
