/**
 * Matrix multiplication C[b] = op(A[b]) · op(B[b]), op = identity or transpose, for 2-D and batched
 * operands. The transposed variants let backward compute dA = dC·Bᵀ and dB = Aᵀ·dC straight from
 * the stored operands, never materialising a transpose.
 *
 * Every thread accumulates a TM x TN block of C in registers (register blocking). Two schedules:
 *  - 'tiled': a workgroup stages TILE x TK slices of A and B in workgroup memory (what discrete GPUs want);
 *  - 'blocked': no workgroup memory, each thread streams its rows and columns (faster on CPU adapters
 *    such as SwiftShader, where workgroup memory and barriers are emulated);
 *  - 'naive': one thread per output, kept only as the benchmark baseline.
 */
import { kernel } from './kernel.js';

/** Matmul schedules: tiled through workgroup memory (GPUs), register-blocked (CPU adapters), naive (reference). */
export type MatmulVariant = 'tiled' | 'blocked' | 'naive';

export interface MatmulSpec {
  transA: boolean;
  transB: boolean;
  variant: MatmulVariant;
  /** Operands bound as vec4 arrays (see vec4Ok): 4x4 blocks load as four vec4s each. */
  vec4?: boolean;
  /** Rows x columns of C per thread on the vec4 blocked path (multiples of 4). */
  block?: readonly [number, number];
  /** Add bias[c] to every row of C in the store (linear's bias, fused: one dispatch instead of two). */
  bias?: boolean;
}

/** vec4 loads need every contiguous run the kernel reads 4 at a time to be a multiple of 4 long. */
export function vec4Ok(M: number, N: number, K: number, transA: boolean, transB: boolean): boolean {
  return K % 4 === 0 && (!transA || M % 4 === 0) && (transB || N % 4 === 0);
}

const TM = 4;
const TN = 4;
export const MATMUL_WG: Record<MatmulVariant, [number, number]> = { tiled: [16, 16], blocked: [8, 8], naive: [16, 16] };
const TK = 16;

const UNIFORMS: [string, 'u32'][] = [['M', 'u32'], ['N', 'u32'], ['K', 'u32'], ['sA', 'u32'], ['sB', 'u32']];

/** Index helpers shared by all variants: element (row r, depth k) of A and (depth k, col c) of B. */
function accessors(s: MatmulSpec): string {
  const a = s.transA ? 'k * u.M + r' : 'r * u.K + k';
  const b = s.transB ? 'c * u.K + k' : 'k * u.N + c';
  return `
fn idxA(base: u32, r: u32, k: u32) -> u32 { return base + ${a}; }
fn idxB(base: u32, k: u32, c: u32) -> u32 { return base + ${b}; }`;
}

const STORE = `
  for (var i = 0u; i < ${TM}u; i++) {
    let r = row0 + i;
    if (r >= u.M) { break; }
    for (var j = 0u; j < ${TN}u; j++) {
      let c = col0 + j;
      if (c < u.N) { C[baseC + r * u.N + c] = acc[i][j]{{bias}}; }
    }
  }`;

/** The store's bias term, and its binding (after C), when the spec fuses a bias. */
const withBias = (s: MatmulSpec, wgsl: string): string => wgsl.replaceAll('{{bias}}', s.bias ? ' + bias[c]' : '');
const BIAS_BINDING = { name: 'bias', type: 'f32', access: 'read' as const };

export function matmulWgsl(s: MatmulSpec): string {
  return withBias(s, matmulText(s));
}

function matmulText(s: MatmulSpec): string {
  const bindings = [
    { name: 'A', type: 'f32', access: 'read' as const },
    { name: 'B', type: 'f32', access: 'read' as const },
    { name: 'C', type: 'f32', access: 'read_write' as const },
    ...(s.bias ? [BIAS_BINDING] : []),
  ];
  const [wx, wy] = MATMUL_WG[s.variant];
  const bases = `let bz = wid.z; let baseA = bz * u.sA; let baseB = bz * u.sB; let baseC = bz * u.M * u.N;`;
  if (s.variant === 'naive') {
    return kernel({
      bindings, uniforms: UNIFORMS, workgroupSize: [wx, wy], prelude: accessors(s),
      body: `
  ${bases}
  let c = gid.x; let r = gid.y;
  if (r >= u.M || c >= u.N) { return; }
  var sum = 0.0;
  for (var k = 0u; k < u.K; k++) { sum += A[idxA(baseA, r, k)] * B[idxB(baseB, k, c)]; }
  C[baseC + r * u.N + c] = sum{{bias}};`,
    });
  }
  if (s.variant === 'blocked' && s.vec4) return blockedVec4(s);
  if (s.variant === 'blocked') {
    // Out-of-range rows/columns are clamped (valid addresses, results discarded at the store) so the
    // inner loop carries no branches.
    return kernel({
      bindings, uniforms: UNIFORMS, workgroupSize: [wx, wy], prelude: accessors(s),
      body: `
  ${bases}
  let col0 = gid.x * ${TN}u; let row0 = gid.y * ${TM}u;
  if (row0 >= u.M || col0 >= u.N) { return; }
  var acc: array<vec4<f32>, ${TM}>;
  var rr: array<u32, ${TM}>;
  var cc: array<u32, ${TN}>;
  for (var i = 0u; i < ${TM}u; i++) { rr[i] = min(row0 + i, u.M - 1u); }
  for (var j = 0u; j < ${TN}u; j++) { cc[j] = min(col0 + j, u.N - 1u); }
  for (var k = 0u; k < u.K; k++) {
    let bv = vec4<f32>(B[idxB(baseB, k, cc[0])], B[idxB(baseB, k, cc[1])], B[idxB(baseB, k, cc[2])], B[idxB(baseB, k, cc[3])]);
    acc[0] += A[idxA(baseA, rr[0], k)] * bv;
    acc[1] += A[idxA(baseA, rr[1], k)] * bv;
    acc[2] += A[idxA(baseA, rr[2], k)] * bv;
    acc[3] += A[idxA(baseA, rr[3], k)] * bv;
  }
  ${STORE}`,
    });
  }
  const tileM = wy * TM;
  const tileN = wx * TN;
  const threads = wx * wy;
  // Load order: consecutive threads read consecutive addresses of the stored (maybe transposed) operand.
  const loadA = s.transA
    ? `let kk = l / ${tileM}u; let m = l % ${tileM}u;`
    : `let m = l / ${TK}u; let kk = l % ${TK}u;`;
  const loadB = s.transB
    ? `let nn = l / ${TK}u; let kk = l % ${TK}u;`
    : `let kk = l / ${tileN}u; let nn = l % ${tileN}u;`;
  return kernel({
    bindings, uniforms: UNIFORMS, workgroupSize: [wx, wy],
    prelude: `${accessors(s)}
var<workgroup> As: array<f32, ${TK * tileM}>;
var<workgroup> Bs: array<f32, ${TK * tileN}>;`,
    body: `
  ${bases}
  let tileRow = wid.y * ${tileM}u; let tileCol = wid.x * ${tileN}u;
  let row0 = tileRow + lid.y * ${TM}u; let col0 = tileCol + lid.x * ${TN}u;
  var acc: array<vec4<f32>, ${TM}>;
  for (var t = 0u; t < u.K; t += ${TK}u) {
    for (var l = lix; l < ${TK * tileM}u; l += ${threads}u) {
      ${loadA}
      let r = tileRow + m; let k = t + kk;
      As[kk * ${tileM}u + m] = select(0.0, A[idxA(baseA, min(r, u.M - 1u), min(k, u.K - 1u))], r < u.M && k < u.K);
    }
    for (var l = lix; l < ${TK * tileN}u; l += ${threads}u) {
      ${loadB}
      let c = tileCol + nn; let k = t + kk;
      Bs[kk * ${tileN}u + nn] = select(0.0, B[idxB(baseB, min(k, u.K - 1u), min(c, u.N - 1u))], c < u.N && k < u.K);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${TK}u; kk++) {
      let ao = kk * ${tileM}u + lid.y * ${TM}u;
      let bo = kk * ${tileN}u + lid.x * ${TN}u;
      let bv = vec4<f32>(Bs[bo], Bs[bo + 1u], Bs[bo + 2u], Bs[bo + 3u]);
      acc[0] += As[ao] * bv;
      acc[1] += As[ao + 1u] * bv;
      acc[2] += As[ao + 2u] * bv;
      acc[3] += As[ao + 3u] * bv;
    }
    workgroupBarrier();
  }
  ${STORE}`,
  });
}

/** The tile of C one workgroup computes: [columns, rows]. */
export function matmulTile(s: MatmulSpec): [number, number] {
  const [wx, wy] = MATMUL_WG[s.variant];
  const block = s.block ?? BIG_BLOCK;
  const per = s.variant === 'naive' ? [1, 1] : s.variant === 'blocked' && s.vec4 ? [block[1], block[0]] : [TN, TM];
  return [wx * per[0], wy * per[1]];
}

/**
 * The blocked schedule with vec4 loads: per step of 4 along k, a thread loads its BM x 4 slice of A and
 * 4 x BN slice of B as vec4s and accumulates a BM x BN block of C with mat4x4 · vec4 products.
 * Transposed operands arrive as columns instead of rows and are turned with transpose().
 * Out-of-range rows/columns are clamped to valid addresses; their results are discarded at the store.
 */
export const BIG_BLOCK = [8, 32] as const;
export const SMALL_BLOCK = [4, 4] as const;

/**
 * The blocks the chooser weighs, with their time per multiply-add relative to the biggest, measured on
 * SwiftShader (1024³: 8x32 3.7 GFLOP/s, 8x16 3.5; MLP shapes: 8x8 about 1.5x and 4x4 about 2x slower).
 */
const BLOCKS: readonly (readonly [readonly [number, number], number])[] = [[BIG_BLOCK, 1], [[8, 16], 1.1], [[8, 8], 1.5], [SMALL_BLOCK, 2]];
/** Every block the chooser may pick (each is compiled and checked by the tests). */
export const MATMUL_BLOCKS = BLOCKS.map(([b]) => b);

/**
 * The block with the least estimated time: the multiply-adds computed (a thread computes its whole block,
 * so edges round up to it) times the block's relative cost, slowed in proportion when there are fewer
 * workgroups than cores (a CPU adapter runs a workgroup per core). Every block sums over k in the same
 * order, so the choice changes the time, never the result.
 */
export function chooseBlock(M: number, N: number, batch: number, cores = 4): readonly [number, number] {
  const [wx, wy] = MATMUL_WG.blocked;
  let best: readonly [number, number] = SMALL_BLOCK;
  let bestCost = Infinity;
  for (const [b, rel] of BLOCKS) {
    const groups = Math.ceil(M / (wy * b[0])) * Math.ceil(N / (wx * b[1])) * batch;
    const cost = (Math.ceil(M / b[0]) * b[0] * Math.ceil(N / b[1]) * b[1] * rel) / Math.min(1, groups / cores);
    if (cost < bestCost) [best, bestCost] = [b, cost];
  }
  return best;
}

function blockedVec4(s: MatmulSpec): string {
  const [wx, wy] = MATMUL_WG.blocked;
  const [BM, BN] = s.block ?? BIG_BLOCK;
  const RB = BM / 4;
  const CB = BN / 4;
  const lines: string[] = [];
  for (let rb = 0; rb < RB; rb++) {
    if (s.transA) {
      const r = `min(row0 + ${4 * rb}u, u.M - 4u)`;
      const cols = [0, 1, 2, 3].map((q) => `A[(baseA + (k + ${q}u) * u.M + ${r}) / 4u]`);
      lines.push(`let At${rb} = transpose(mat4x4<f32>(${cols.join(', ')}));`);
    } else {
      const rows = [0, 1, 2, 3].map((q) => `A[(baseA + min(row0 + ${4 * rb + q}u, u.M - 1u) * u.K + k) / 4u]`);
      lines.push(`let At${rb} = mat4x4<f32>(${rows.join(', ')});`);
    }
  }
  for (let cb = 0; cb < CB; cb++) {
    if (s.transB) {
      const cols = [0, 1, 2, 3].map((q) => `B[(baseB + min(col0 + ${4 * cb + q}u, u.N - 1u) * u.K + k) / 4u]`);
      lines.push(`let Bm${cb} = transpose(mat4x4<f32>(${cols.join(', ')}));`);
    } else {
      const c = `min(col0 + ${4 * cb}u, u.N - 4u)`;
      const rows = [0, 1, 2, 3].map((q) => `B[(baseB + (k + ${q}u) * u.N + ${c}) / 4u]`);
      lines.push(`let Bm${cb} = mat4x4<f32>(${rows.join(', ')});`);
    }
  }
  for (let rb = 0; rb < RB; rb++)
    for (let i = 0; i < 4; i++)
      for (let cb = 0; cb < CB; cb++) lines.push(`acc[${(4 * rb + i) * CB + cb}] += Bm${cb} * At${rb}[${i}];`);
  return kernel({
    bindings: [
      { name: 'A', type: 'vec4<f32>', access: 'read' },
      { name: 'B', type: 'vec4<f32>', access: 'read' },
      { name: 'C', type: 'f32', access: 'read_write' },
      ...(s.bias ? [BIAS_BINDING] : []),
    ],
    uniforms: UNIFORMS,
    workgroupSize: [wx, wy],
    body: `
  let bz = wid.z; let baseA = bz * u.sA; let baseB = bz * u.sB; let baseC = bz * u.M * u.N;
  let col0 = gid.x * ${BN}u; let row0 = gid.y * ${BM}u;
  if (row0 >= u.M || col0 >= u.N) { return; }
  var acc: array<vec4<f32>, ${BM * CB}>;
  for (var k = 0u; k < u.K; k += 4u) {
    ${lines.join('\n    ')}
  }
  for (var i = 0u; i < ${BM}u; i++) {
    let r = row0 + i;
    if (r >= u.M) { break; }
    for (var j = 0u; j < ${BN}u; j++) {
      let c = col0 + j;
      if (c < u.N) { C[baseC + r * u.N + c] = acc[i * ${CB}u + j / 4u][j % 4u]{{bias}}; }
    }
  }`,
  });
}
