// The WGSL generators as text: headers and layouts (reflected with wgsl_reflect, as the runtime does),
// grid arithmetic, and every generator variant compiled by the device's WGSL compiler (Tint), which
// catches type errors such as `&&` on vec4<bool> that a string test cannot see.
import { describe, it, expect, beforeAll } from 'vitest';
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import * as wg from '../../src/index.js';
import { compileErrors } from '../helpers/gpu.js';
import { workgroups } from '../../src/tensor/index.js';
import { kernel, grid, vec8, at8 } from '../../src/shaders/kernel.js';
import { elementwiseWgsl } from '../../src/shaders/elementwise.js';
import { matmulWgsl, matmulTile, MATMUL_WG, MATMUL_BLOCKS, type MatmulVariant, type MatmulSpec } from '../../src/shaders/matmul.js';
import { reduceWgsl } from '../../src/shaders/reduce.js';
import { softmaxWgsl } from '../../src/shaders/softmax.js';

beforeAll(async () => {
  await wg.init();
});


describe('kernel()', () => {
  const text = kernel({
    bindings: [
      { name: 'x', type: 'f32', access: 'read' },
      { name: 'idx', type: 'i32', access: 'read' },
      { name: 'out', type: 'vec4<f32>', access: 'read_write' },
    ],
    uniforms: [['n', 'u32'], ['alpha', 'f32'], ['k', 'i32'], ['shape', 'vec8u']],
    workgroupSize: [64],
    body: 'if (gid.x < u.n) { out[gid.x] = vec4<f32>(x[gid.x] * u.alpha + f32(idx[gid.x] + u.k) + f32(u.shape[1][2])); }',
  });

  it('writes bindings in order, one uniform struct after them, and the entry point with its builtins', () => {
    const r = new WgslReflect(text);
    expect(r.storage.map((s) => [s.name, s.binding, String(s.access)])).toEqual([
      ['x', 0, 'read'],
      ['idx', 1, 'read'],
      ['out', 2, 'read_write'],
    ]);
    expect(r.uniforms.map((u) => [u.name, u.binding])).toEqual([['u', 3]]);
    const members = (r.uniforms[0].members ?? []) as { name: string; offset: number }[];
    // std140-like layout: the vec8 (array<vec4<u32>, 2>) is 16-byte aligned
    expect(members.map((m) => [m.name, m.offset])).toEqual([['n', 0], ['alpha', 4], ['k', 8], ['shape', 16]]);
    expect(text).toMatch(/@compute @workgroup_size\(64, 1, 1\)\nfn main\(@builtin\(global_invocation_id\) gid/);
  });

  it('compiles', async () => {
    expect(await compileErrors(text)).toEqual([]);
  });

  it('a kernel without uniforms declares no struct', async () => {
    const t = kernel({ bindings: [{ name: 'o', type: 'f32', access: 'read_write' }], workgroupSize: [8, 8], body: 'o[lix] = 1.0;' });
    expect(t).not.toMatch(/Uniforms/);
    expect(t).toMatch(/@workgroup_size\(8, 8, 1\)/);
    expect(await compileErrors(t)).toEqual([]);
  });
});

describe('grid(), vec8(), at8()', () => {
  it('grid spreads any count over x, y ≤ 65535 with at most y − 1 spare groups', () => {
    for (const count of [0, 1, 64, 65535, 65536, 70000, 131071, 1_000_000, 65535 * 300 + 7]) {
      const [x, y] = grid(count);
      expect(x).toBeLessThanOrEqual(65535);
      expect(y).toBeLessThanOrEqual(65535);
      expect(x * y).toBeGreaterThanOrEqual(count);
      expect(x * y - count).toBeLessThan(Math.max(y, 1));
    }
    expect(grid(0)).toEqual([0, 1]);
    expect(grid(65535)).toEqual([65535, 1]);
  });

  it('vec8 pads to 8 and rejects rank 9; at8 addresses the right lane', () => {
    expect(vec8([3, 4])).toEqual([3, 4, 0, 0, 0, 0, 0, 0]);
    expect(() => vec8([1, 1, 1, 1, 1, 1, 1, 1, 1])).toThrow(/rank 9 .*at most 8/);
    expect(at8('shape', 0)).toBe('u.shape[0][0]');
    expect(at8('shape', 6)).toBe('u.shape[1][2]');
  });
});

describe('every generator variant compiles', () => {
  it('(the check itself sees compile errors: && on vec4<bool>)', async () => {
    const bad = elementwiseWgsl({ expr: 'select(T(0.0), a, (b >= c) && (b <= T(1.0)))', direct: [true, true, true], rank: 1, vec4: true });
    expect((await compileErrors(bad)).join('\n')).toMatch(/&&/);
    const t = wg.ones([4]); // the runtime saw no error: a readback still works
    const s = t.sum();
    expect(await s.item()).toBe(4);
    for (const x of [t, s]) x.dispose();
  });

  it('elementwise: unary/binary/ternary, direct/broadcast, vec4/scalar, f32/i32, ranks 0..8', async () => {
    const specs: Parameters<typeof elementwiseWgsl>[0][] = [];
    for (const vec4 of [false, true]) {
      specs.push({ expr: 'exp(a) * alpha + beta', direct: [true], rank: 1, vec4 });
      specs.push({ expr: 'select(T(0.0), a, (b >= c) & (b <= T(1.0)))', direct: [true, true, true], rank: 2, vec4 });
      specs.push({ expr: 'a', direct: [true], rank: 1, vec4, outType: 'i32', inTypes: ['i32'] });
      specs.push({ expr: 'a + b', direct: [true, true], rank: 1, vec4, inTypes: ['f32', 'i32'] });
      specs.push({ expr: 'select(T(f32_nan()), T(-f32_inf()), a > T(0.0))', direct: [true], rank: 1, vec4 });
    }
    for (const rank of [0, 1, 3, 8]) {
      specs.push({ expr: 'a * b + c * d', direct: [false, true, false, true], rank, vec4: false });
      specs.push({ expr: 'a', direct: [false], rank, vec4: false, outType: 'i32', inTypes: ['i32'] });
    }
    for (const s of specs) expect(await compileErrors(elementwiseWgsl(s)), JSON.stringify(s)).toEqual([]);
  });

  it('the int32 copy path computes in i32 (no rounding through f32)', () => {
    const t = elementwiseWgsl({ expr: 'a', direct: [true], rank: 1, vec4: true, outType: 'i32', inTypes: ['i32'] });
    expect(t).toMatch(/alias T = vec4<i32>;/);
    expect(t).not.toMatch(/vec4<f32>\(a\[/);
  });

  it('matmul: every schedule, transposed-operand variant and vec4 block; groups cover the output', async () => {
    const specs: MatmulSpec[] = [];
    for (const variant of ['tiled', 'blocked', 'naive'] as MatmulVariant[]) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          specs.push({ transA, transB, variant }, { transA, transB, variant, bias: true });
          if (variant === 'blocked') for (const block of MATMUL_BLOCKS) specs.push({ transA, transB, variant, vec4: true, block }, { transA, transB, variant, vec4: true, block, bias: true });
        }
      }
    }
    for (const spec of specs) {
      expect(await compileErrors(matmulWgsl(spec)), JSON.stringify(spec)).toEqual([]);
      const [wx, wy] = MATMUL_WG[spec.variant];
      const [perRow, perCol] = spec.variant === 'naive' ? [1, 1] : spec.vec4 ? spec.block! : [4, 4];
      for (const [M, N] of [[1, 1], [257, 65], [64, 64], [260, 132]]) {
        const [gx, gy = 1, gz = 1] = workgroups({ tiles: [N, M, 3], size: matmulTile(spec) });
        expect(gz).toBe(3);
        expect(gx * wx * perCol).toBeGreaterThanOrEqual(N);
        expect(gy * wy * perRow).toBeGreaterThanOrEqual(M);
      }
    }
  });

  it('reduce (sum, max, argmax × row, column) and softmax (plain, log)', async () => {
    for (const op of ['sum', 'max', 'argmax'] as const) {
      for (const schedule of ['row', 'column'] as const) {
        expect(await compileErrors(reduceWgsl({ op, schedule })), `${op} ${schedule}`).toEqual([]);
      }
    }
    for (const log of [false, true]) expect(await compileErrors(softmaxWgsl(log))).toEqual([]);
  });
});
