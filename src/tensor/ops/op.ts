/**
 * The op table's runner. Every op is ONE declaration:
 *
 *   export const square = defineOp({
 *     name: 'square',
 *     forward: (ctx, x: Tensor) => runElementwise('square', 'a * a', [x]),  // or ctx.launch(...), or other ops
 *     backward: (ctx, g, x) => [fused('T(2.0) * a * b', g, x)],          // one gradient per tensor input
 *   });
 *
 * The runner does what every op needs, in one place:
 *   - checks that each tensor argument (also inside an array argument, as cat's list) is live, naming
 *     the op when it is not;
 *   - runs forward with recording off when the op has its own backward rule, so the op is one node on the
 *     tape whatever it computes inside;
 *   - frees forward's temporaries when it returns: everything it created except the output and what it
 *     kept with ctx.save() (those live until the backward rule has run, or are freed at once when nothing
 *     is recorded);
 *   - records the rule when grad mode is on and an input requires grad. The rule receives the upstream
 *     gradient and returns one gradient (or null) per tensor input, in order; ctx.needs[i] says whether
 *     input i wants one (torch's needs_input_grad) and ctx.out is the op's output. The tape reduces a
 *     broadcast gradient to its input's shape.
 * An op WITHOUT backward is a composition whose gradient flows through the ops it calls: its forward
 * runs with recording on, and the temporaries it created that are not on the output's tape are freed.
 *
 * `launch` is the only place that turns an amount of work into workgroup counts.
 */
import { Tensor, collect, adopt, setGradEnabled, isGradEnabled, type DType, type TapeNode } from '../tensor.js';
import { runtime, maxGroups } from '../context.js';
import type { Shape } from '../shape.js';
import { grid } from '../../shaders/kernel.js';
import { record, check } from './record.js';
import { anomalyMode, checkFinite } from '../checks.js';

/**
 * How much work a kernel has, in the kernel's own terms; `launch` turns it into workgroup counts.
 *   threads:    one invocation per item, `size` invocations per workgroup, spread over x and y (grid());
 *               the kernel reads its flat workgroup index as FLAT_WORKGROUP.
 *   groups:     exactly this many workgroups (one per row, say), spread over x and y (grid()).
 *   gridStride: items looped over by few workgroups (at most maxGroups(): few on CPU adapters, many on GPUs).
 *   tiles:      a 2-D output in tiles of size[0] × size[1] (x = columns, y = rows), batch in z.
 */
export type Work =
  | { threads: number; size: number }
  | { groups: number }
  | { gridStride: number; size: number; cap?: number }
  | { tiles: readonly [cols: number, rows: number, batch?: number]; size: readonly [number, number] };

/** One kernel launch: WGSL text, storage by WGSL name (tensors or raw buffers), uniforms, work, label. */
export interface Launch {
  wgsl: string;
  buffers: Record<string, Tensor | GPUBuffer>;
  uniforms?: Record<string, number | readonly number[]>;
  work: Work;
  /** The op's name: GPU error messages and wg.profile rows. */
  label: string;
}

/** Workgroup counts for an amount of work (exported for tests). */
export function workgroups(w: Work): readonly [number, number?, number?] {
  if ('tiles' in w) {
    const [cols, rows, batch = 1] = w.tiles;
    return [Math.ceil(cols / w.size[0]), Math.ceil(rows / w.size[1]), batch];
  }
  if ('gridStride' in w) return [Math.max(1, Math.min(Math.ceil(w.gridStride / w.size), w.cap ?? maxGroups()))];
  if ('groups' in w) return grid(w.groups);
  return grid(Math.ceil(w.threads / w.size));
}

/** Encode one kernel into the open command encoder (nothing is submitted). Empty work launches nothing. */
export function launch(l: Launch): void {
  const wg = workgroups(l.work);
  if (wg[0] === 0 || wg[1] === 0 || wg[2] === 0) return;
  const buffers: Record<string, GPUBuffer> = {};
  for (const [k, b] of Object.entries(l.buffers)) buffers[k] = b instanceof Tensor ? b.buffer(l.label) : b;
  runtime().dispatch({ wgsl: l.wgsl, buffers, uniforms: l.uniforms, workgroups: wg, label: l.label });
}

/** What an op's forward and backward share. */
export interface OpContext {
  /** The op's name (for errors and labels). */
  readonly name: string;
  /** Keep tensors made in forward for the backward rule (they are freed after it has run). */
  save(...tensors: Tensor[]): void;
  /** What forward saved, in order. */
  readonly saved: readonly Tensor[];
  /** In backward: needs[i] is true when tensor input i requires grad. */
  readonly needs: readonly boolean[];
  /** In backward: the op's output. */
  readonly out: Tensor;
  /** True when this call will be recorded on the tape (grad mode on and a tensor input requires grad): forward may skip what only backward needs. */
  readonly recording: boolean;
  /** A new uninitialised tensor, its size checked against the device's limits in the op's name. */
  empty(shape: Shape, dtype?: DType): Tensor;
  /** launch() with this op's name as the label. */
  launch(l: Omit<Launch, 'label'> & { label?: string }): void;
}

/** An op's declaration. A is the argument list of the function defineOp returns. */
export interface OpDecl<A extends unknown[]> {
  name: string;
  /** Computes the output. Throw here for bad arguments (the runner has checked that tensors are live). */
  forward: (ctx: OpContext, ...args: A) => Tensor;
  /** One gradient (or null) per tensor input, in order (tensors inside array arguments included). */
  backward?: (ctx: OpContext, g: Tensor, ...args: A) => readonly (Tensor | null)[];
}

/** The tensor arguments of a call, in order, arrays flattened one level (cat's list). */
function tensorsOf(name: string, args: readonly unknown[]): Tensor[] {
  const out: Tensor[] = [];
  for (const a of args) {
    if (a instanceof Tensor) out.push(check(name, a));
    else if (Array.isArray(a)) for (const t of a) if (t instanceof Tensor) out.push(check(name, t));
  }
  return out;
}

/** Tensors in `pool` reachable from t through tape records (t included). */
function onTape(t: Tensor, pool: ReadonlySet<Tensor>): Set<Tensor> {
  const seen = new Set<Tensor>();
  const stack = [t];
  while (stack.length) {
    const x = stack.pop()!;
    if (seen.has(x) || !pool.has(x)) continue;
    seen.add(x);
    for (const i of x.node?.inputs ?? []) if (i instanceof Tensor) stack.push(i);
  }
  return seen;
}

/** Declare an op; returns the function users call. */
export function defineOp<A extends unknown[]>(decl: OpDecl<A>): (...args: A) => Tensor {
  const { name } = decl;
  return (...args: A): Tensor => {
    const inputs = tensorsOf(name, args);
    const saved: Tensor[] = [];
    let needs: readonly boolean[] = [];
    let output: Tensor | null = null;
    const recording = isGradEnabled() && inputs.some((t) => t.requiresGrad);
    const ctx: OpContext = {
      name,
      save: (...ts) => void saved.push(...ts),
      saved,
      get needs() { return needs; },
      get out() {
        if (!output) throw new Error(`webgrad.${name}: ctx.out is available in backward only`);
        return output;
      },
      recording,
      empty: (shape, dtype = 'float32') => Tensor.empty(shape, dtype, name),
      launch: (l) => launch({ ...l, label: l.label ?? name }),
    };
    const composite = !decl.backward;
    const prev = composite ? isGradEnabled() : setGradEnabled(false);
    let run: { result: Tensor; created: Tensor[] };
    try {
      run = collect(() => decl.forward(ctx, ...args));
    } finally {
      setGradEnabled(prev);
    }
    const { result, created } = run;
    if (!(result instanceof Tensor)) throw new Error(`webgrad.${name}: forward must return a Tensor (returned ${typeof result})`);
    const made = new Set(created);
    const ownSaved = new Set(saved.filter((t) => made.has(t)));
    const keep = composite ? onTape(result, made) : new Set([result, ...ownSaved]);
    for (const t of created) if (!keep.has(t)) t.dispose();
    if (!made.has(result)) {
      // forward returned one of its inputs (e.g. float() of a float tensor): nothing to record
      for (const t of ownSaved) t.dispose();
      return result;
    }
    // the output (and a composite's tape) now belongs to the caller's scope; saved tensors stay with the rule
    if (composite) keep.forEach(adopt);
    else adopt(result);
    if (composite) return result;
    if (!recording) {
      for (const t of ownSaved) t.dispose();
      if (anomalyMode()) checkFinite(result, `${name} (forward)`);
      return result;
    }
    output = result;
    const rule: TapeNode['backward'] = (g, n) => {
      needs = n;
      let grads: readonly (Tensor | null)[] = [];
      try {
        grads = decl.backward!(ctx, g, ...args);
      } finally {
        const returned = new Set(grads);
        for (const t of ownSaved) if (!returned.has(t)) t.dispose();
      }
      if (grads.length !== inputs.length) {
        throw new Error(`webgrad.${name}: the backward rule returned ${grads.length} gradients for ${inputs.length} tensor inputs`);
      }
      return grads.map((gi, i) => (n[i] ? gi : null));
    };
    return record(result, name, inputs, rule);
  };
}
