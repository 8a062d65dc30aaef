/**
 * 2-D convolution (NCHW, weights [OC, C/groups, KH, KW]) as three implicit GEMMs: the im2col matrix is
 * never materialised, each kernel reads the input through the im2col index map. With g = group,
 * y[n, o, oh, ow] = b[o] + Σ_{c,kh,kw} x[n, g·Cg + c, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw] · w[o, c, kh, kw]
 *
 *   forward  y  = W · im2col(x)       rows: output channels,   columns: output positions (n, oh, ow)
 *   dx       dx = Wᵀ · col2im(g)      rows: input channels,    columns: input positions (n, ih, iw); an
 *                                     output position contributes where (ih + ph − kh·dh) / sh is whole
 *   dw       dw = g · im2col(x)ᵀ      rows: output channels,   columns: (c, kh, kw); the sum over (n, oh, ow)
 *                                     is split into S chunks (grid z) whose partial sums are added after
 *
 * Every thread accumulates a BM × 4 register block (BM rows, 4 columns as one vec4) so each loaded
 * weight is used 4 times and each input value BM times. Groups are the grid's z (times S for dw).
 * Rows and columns past the end are clamped to valid addresses and dropped at the store.
 */
import { kernel } from './kernel.js';

/** Threads per workgroup (x over columns times y over rows). */
export const CONV_THREADS = 64;

const NAMES = ['N', 'C', 'H', 'W', 'OC', 'OH', 'OW', 'Cg', 'OCg', 'groups', 'per'];
const UNIFORMS = NAMES.map((n) => [n, 'i32'] as [string, 'i32']);
/** The window's geometry is compiled in as constants: loops over the kernel get fixed bounds and
 *  division by a stride of 1 or 2 costs nothing (measured ~2x on SwiftShader against uniforms). */
const WINDOW = ['KH', 'KW', 'sh', 'sw', 'ph', 'pw', 'dh', 'dw'] as const;
export type ConvWindow = Record<(typeof WINDOW)[number], number>;
const J = [0, 1, 2, 3];

/** Which of the three products, and the rows per thread. */
export interface ConvSpec {
  kind: 'forward' | 'dx' | 'dw';
  /** Rows per thread. */
  bm: number;
  /** Threads along y (rows); CONV_THREADS / wy along x. */
  wy: number;
  bias?: boolean;
  window: ConvWindow;
}

const rep = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('\n  ');
/** An element of `buf` at `idx` when `ok`, else 0 (the index stays valid either way). */
const load = (buf: string, ok: string, idx: string) => `select(0.0, ${buf}[select(0, ${idx}, ${ok})], ${ok})`;

function forward(bm: number): string {
  return `
  let P = u.N * u.OH * u.OW;
  if (col0 >= P || row0 >= u.OCg) { return; }
  let KK = u.KH * u.KW;
  ${rep(4, (j) => `let p${j} = min(col0 + ${j}, P - 1); let n${j} = p${j} / (u.OH * u.OW); let r${j} = p${j} % (u.OH * u.OW);
  let xb${j} = (n${j} * u.C + g * u.Cg) * u.H * u.W; let ih${j} = (r${j} / u.OW) * u.sh - u.ph; let iw${j} = (r${j} % u.OW) * u.sw - u.pw;`)}
  ${rep(bm, (i) => `let w${i} = (g * u.OCg + min(row0 + ${i}, u.OCg - 1)) * u.Cg * KK;`)}
  for (var c = 0; c < u.Cg; c++) {
    let cx = c * u.H * u.W;
    for (var kh = 0; kh < u.KH; kh++) {
      ${rep(4, (j) => `let h${j} = ih${j} + kh * u.dh; let rok${j} = h${j} >= 0 && h${j} < u.H; let ro${j} = xb${j} + cx + h${j} * u.W;`)}
      for (var kw = 0; kw < u.KW; kw++) {
        ${rep(4, (j) => `let x${j} = iw${j} + kw * u.dw; let ok${j} = rok${j} && x${j} >= 0 && x${j} < u.W;`)}
        let xv = vec4<f32>(${J.map((j) => load('X', `ok${j}`, `ro${j} + x${j}`)).join(', ')});
        let wi = c * KK + kh * u.KW + kw;
        ${rep(bm, (i) => `acc[${i}] += Wt[w${i} + wi] * xv;`)}
      }
    }
  }
  for (var j = 0; j < 4; j++) {
    let p = col0 + j;
    if (p >= P) { break; }
    let n = p / (u.OH * u.OW); let r = p % (u.OH * u.OW);
    for (var i = 0; i < ${bm}; i++) {
      let o = row0 + i;
      if (o < u.OCg) { Y[(n * u.OC + g * u.OCg + o) * u.OH * u.OW + r] = acc[i][j]BIAS; }
    }
  }`;
}

function dx(bm: number): string {
  return `
  let P = u.N * u.H * u.W;
  if (col0 >= P || row0 >= u.Cg) { return; }
  let KK = u.KH * u.KW;
  ${rep(4, (j) => `let p${j} = min(col0 + ${j}, P - 1); let n${j} = p${j} / (u.H * u.W); let r${j} = p${j} % (u.H * u.W);
  let gb${j} = (n${j} * u.OC + g * u.OCg) * u.OH * u.OW; let th${j} = (r${j} / u.W) + u.ph; let tw${j} = (r${j} % u.W) + u.pw;`)}
  ${rep(bm, (i) => `let c${i} = min(row0 + ${i}, u.Cg - 1);`)}
  for (var o = 0; o < u.OCg; o++) {
    let go = o * u.OH * u.OW;
    let wo = (g * u.OCg + o) * u.Cg * KK;
    for (var kh = 0; kh < u.KH; kh++) {
      ${rep(4, (j) => `let h${j} = th${j} - kh * u.dh; let oh${j} = h${j} / u.sh; let rok${j} = h${j} >= 0 && h${j} % u.sh == 0 && oh${j} < u.OH; let ro${j} = gb${j} + go + oh${j} * u.OW;`)}
      for (var kw = 0; kw < u.KW; kw++) {
        ${rep(4, (j) => `let x${j} = tw${j} - kw * u.dw; let ow${j} = x${j} / u.sw; let ok${j} = rok${j} && x${j} >= 0 && x${j} % u.sw == 0 && ow${j} < u.OW;`)}
        let gv = vec4<f32>(${J.map((j) => load('G', `ok${j}`, `ro${j} + ow${j}`)).join(', ')});
        let wi = wo + kh * u.KW + kw;
        ${rep(bm, (i) => `acc[${i}] += Wt[wi + c${i} * KK] * gv;`)}
      }
    }
  }
  for (var j = 0; j < 4; j++) {
    let p = col0 + j;
    if (p >= P) { break; }
    let n = p / (u.H * u.W); let r = p % (u.H * u.W);
    for (var i = 0; i < ${bm}; i++) {
      let c = row0 + i;
      if (c < u.Cg) { DX[(n * u.C + g * u.Cg + c) * u.H * u.W + r] = acc[i][j]; }
    }
  }`;
}

function dw(bm: number): string {
  return `
  let KK = u.KH * u.KW;
  let Q = u.Cg * KK;
  if (col0 >= Q || row0 >= u.OCg) { return; }
  ${rep(4, (j) => `let q${j} = min(col0 + ${j}, Q - 1); let kk${j} = q${j} % KK;
  let xo${j} = (g * u.Cg + q${j} / KK) * u.H * u.W; let dh${j} = (kk${j} / u.KW) * u.dh - u.ph; let dw${j} = (kk${j} % u.KW) * u.dw - u.pw;`)}
  ${rep(bm, (i) => `let o${i} = (g * u.OCg + min(row0 + ${i}, u.OCg - 1)) * u.OH * u.OW;`)}
  let t1 = min((s + 1) * u.per, u.N * u.OH);
  for (var t = s * u.per; t < t1; t++) {
    let n = t / u.OH; let oh = t % u.OH;
    let xn = n * u.C * u.H * u.W;
    let gn = n * u.OC * u.OH * u.OW + oh * u.OW;
    ${rep(4, (j) => `let h${j} = oh * u.sh + dh${j}; let rok${j} = h${j} >= 0 && h${j} < u.H; let ro${j} = xn + xo${j} + h${j} * u.W;`)}
    for (var ow = 0; ow < u.OW; ow++) {
      ${rep(4, (j) => `let x${j} = ow * u.sw + dw${j}; let ok${j} = rok${j} && x${j} >= 0 && x${j} < u.W;`)}
      let xv = vec4<f32>(${J.map((j) => load('X', `ok${j}`, `ro${j} + x${j}`)).join(', ')});
      ${rep(bm, (i) => `acc[${i}] += G[gn + o${i} + ow] * xv;`)}
    }
  }
  for (var j = 0; j < 4; j++) {
    let q = col0 + j;
    if (q >= Q) { break; }
    for (var i = 0; i < ${bm}; i++) {
      let o = row0 + i;
      if (o < u.OCg) { DWt[(s * u.OC + g * u.OCg + o) * Q + q] = acc[i][j]; }
    }
  }`;
}

export function convWgsl(spec: ConvSpec): string {
  const ro = (name: string) => ({ name, type: 'f32', access: 'read' as const });
  const rw = (name: string) => ({ name, type: 'f32', access: 'read_write' as const });
  const bindings = {
    forward: [ro('X'), ro('Wt'), ...(spec.bias ? [ro('B')] : []), rw('Y')],
    dx: [ro('G'), ro('Wt'), rw('DX')],
    dw: [ro('G'), ro('X'), rw('DWt')],
  }[spec.kind];
  const body = { forward, dx, dw }[spec.kind](spec.bm)
    .replace('BIAS', spec.bias ? ' + B[g * u.OCg + o]' : '')
    .replace(/u\.(KH|KW|sh|sw|ph|pw|dh|dw)\b/g, 'K_$1');
  const z = spec.kind === 'dw' ? 'let g = i32(wid.z) % u.groups; let s = i32(wid.z) / u.groups;' : 'let g = i32(wid.z);';
  return kernel({
    bindings,
    uniforms: UNIFORMS,
    workgroupSize: [CONV_THREADS / spec.wy, spec.wy],
    prelude: WINDOW.map((k) => `const K_${k} = ${spec.window[k]};`).join('\n'),
    body: `
  ${z}
  let col0 = i32(gid.x) * 4; let row0 = i32(gid.y) * ${spec.bm};
  var acc: array<vec4<f32>, ${spec.bm}>;
  ${body}`,
  });
}
