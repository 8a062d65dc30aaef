/**
 * 2-D max and average pooling over NCHW planes, one thread per output (forward) or per input element
 * (backward, a gather: no atomics, each input sums the windows that contain it).
 *   max: y = max over the window (padding is −∞), I = argmax as h·W + w within the plane, the first
 *        maximum in scan order as torch (a NaN wins); dx[h, w] = Σ g over the outputs whose I is (h, w).
 *   avg: y = Σ window / (KH·KW), padding counted as zeros (torch's count_include_pad=True);
 *        dx[h, w] = Σ g / (KH·KW) over the windows that contain (h, w).
 * Output oh covers input rows oh·sh − ph + kh·dh, so input row h lies in windows
 * oh ∈ [⌈(h + ph − (KH−1)·dh) / sh⌉, ⌊(h + ph) / sh⌋] ∩ [0, OH).
 */
import { kernel, FLAT_WORKGROUP } from './kernel.js';
import { NEG_INF, NEG_INF_FN } from './reduce.js';

export const POOL_WG = 64;
const NAMES = ['total', 'H', 'W', 'OH', 'OW', 'KH', 'KW', 'sh', 'sw', 'ph', 'pw', 'dh', 'dw'];

const forward = (max: boolean) => `
  let plane = t / (u.OH * u.OW); let r = t % (u.OH * u.OW);
  let h0 = (r / u.OW) * u.sh - u.ph; let w0 = (r % u.OW) * u.sw - u.pw;
  let xb = plane * u.H * u.W;
  var best = ${max ? NEG_INF : '0.0'}; var bi = -1;
  for (var kh = 0; kh < u.KH; kh++) {
    let h = h0 + kh * u.dh;
    if (h < 0 || h >= u.H) { continue; }
    for (var kw = 0; kw < u.KW; kw++) {
      let w = w0 + kw * u.dw;
      if (w < 0 || w >= u.W) { continue; }
      let v = X[xb + h * u.W + w];
      ${max ? 'if (bi < 0 || v > best || v != v) { best = v; bi = h * u.W + w; }' : 'best += v;'}
    }
  }
  ${max ? 'Y[t] = best; I[t] = bi;' : 'Y[t] = best / f32(u.KH * u.KW);'}`;

const backward = (max: boolean) => `
  let plane = t / (u.H * u.W); let r = t % (u.H * u.W);
  let h = r / u.W; let w = r % u.W;
  let ah = h + u.ph - (u.KH - 1) * u.dh; let aw = w + u.pw - (u.KW - 1) * u.dw;
  let oh0 = select(0, (ah + u.sh - 1) / u.sh, ah > 0); let oh1 = min(u.OH - 1, (h + u.ph) / u.sh);
  let ow0 = select(0, (aw + u.sw - 1) / u.sw, aw > 0); let ow1 = min(u.OW - 1, (w + u.pw) / u.sw);
  let gb = plane * u.OH * u.OW;
  var acc = 0.0;
  for (var oh = oh0; oh <= oh1; oh++) {
    for (var ow = ow0; ow <= ow1; ow++) {
      let o = gb + oh * u.OW + ow;
      ${max ? 'if (I[o] == r) { acc += G[o]; }' : 'acc += G[o];'}
    }
  }
  DX[t] = ${max ? 'acc' : 'acc / f32(u.KH * u.KW)'};`;

export function poolWgsl(op: 'max' | 'avg', dir: 'forward' | 'backward'): string {
  const max = op === 'max';
  const ro = (name: string, type = 'f32') => ({ name, type, access: 'read' as const });
  const rw = (name: string, type = 'f32') => ({ name, type, access: 'read_write' as const });
  const bindings = dir === 'forward'
    ? [ro('X'), rw('Y'), ...(max ? [rw('I', 'i32')] : [])]
    : [ro('G'), ...(max ? [ro('I', 'i32')] : []), rw('DX')];
  return kernel({
    bindings,
    uniforms: NAMES.map((n) => [n, 'i32'] as [string, 'i32']),
    workgroupSize: [POOL_WG],
    prelude: max && dir === 'forward' ? NEG_INF_FN : '',
    body: `
  let t = i32(${FLAT_WORKGROUP} * ${POOL_WG}u + lix);
  if (t >= u.total) { return; }
  ${dir === 'forward' ? forward(max) : backward(max)}`,
  });
}
