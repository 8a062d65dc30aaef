/**
 * SAM: Sharpness-Aware Minimization (Foret et al. 2021), and its adaptive variant ASAM (Kwon et al.
 * 2021), as a wrapper around any first-order optimizer. Follows the reference implementation
 * https://github.com/davda54/sam.
 *
 *   input: base optimizer, rho ρ, adaptive
 *   each step(closure):
 *     g ← ∇f(w)                                   first forward-backward (the closure)
 *     T_w ← |w| if adaptive, else 1
 *     ε ← ρ · T_w² g / ‖T_w g‖₂                    climb to the worst point nearby: w + ε
 *     g_SAM ← ∇f(w + ε)                            second forward-backward
 *     w ← base step from w with gradient g_SAM
 *
 *   const opt = new wg.optim.SAM(model.parameters(), wg.optim.SGD, { rho: 0.05, lr: 0.1, momentum: 0.9 });
 *   const loss = await opt.step(() => { opt.zeroGrad(); const l = lossFn(model(x), y); l.backward(); return l; });
 *
 * ‖T_w g‖₂ is a GPU reduction over all gradients (no readback) and ε is applied in place, one kernel
 * per parameter; 1/(‖T_w g‖ + 1e-12) stays in a GPU buffer. The closure must zero the gradients (it is
 * called twice). step resolves to the first pass's loss. Options other than rho and adaptive go to the
 * base optimizer; the param groups are the base optimizer's (so a scheduler acts on both), with rho
 * and adaptive added. stateDict / loadStateDict are the base optimizer's.
 * Defaults: rho 0.05, adaptive false (ASAM typically uses rho 2.0).
 * https://arxiv.org/abs/2010.01412   https://arxiv.org/abs/2102.11600
 */
import { Tensor, inplace, totalNorm } from '../tensor/index.js';
import { Optimizer, copyTensor, copyInto, lossValue, type Closure, type OptimizerStateDict, type ParamGroup, type ParamGroupInput, type Params } from './optimizer.js';
import { checkBoolean, checkNonNegative, checkParamsArgument, fail } from './validate.js';

/** Options of {@link SAM}: torch's keyword arguments in camelCase. */
export type SAMOptions = { lr: number; rho: number; adaptive: boolean; [baseOption: string]: unknown };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
/** An optimizer class (its constructor) that SAM wraps for the descent step. */
export type BaseClass = new (params: any, options: any) => Optimizer<{ lr: number }>;

/** Sharpness-Aware Minimization (Foret et al. 2021) around a base optimizer: `await opt.step(closure)` takes the ascent step, then the base step. */
export class SAM extends Optimizer<SAMOptions> {
  readonly baseOptimizer: Optimizer<{ lr: number }>;

  constructor(params: Params<SAMOptions>, BaseOptimizer: BaseClass, options: Partial<SAMOptions> = {}) {
    if (typeof BaseOptimizer !== 'function') fail('SAM', 'the second argument must be an optimizer class, e.g. new SAM(params, wg.optim.SGD, { lr: 0.1 })');
    checkParamsArgument('SAM', params, (v) => v instanceof Tensor);
    const { rho = 0.05, adaptive = false, ...baseOptions } = options;
    const list = [...(params as Iterable<Tensor | ParamGroupInput<SAMOptions>>)];
    super(list as Params<SAMOptions>, { rho, adaptive, lr: 0 }, 'SAM');
    // the base optimizer owns the groups (with its own defaults filled in); SAM adds rho and adaptive
    const mine = this.paramGroups.splice(0);
    this.baseOptimizer = new BaseOptimizer(list, baseOptions);
    if (this.baseOptimizer.paramGroups.length !== mine.length) fail('SAM', 'the base optimizer changed the number of param groups');
    this.baseOptimizer.paramGroups.forEach((g, i) => {
      Object.assign(g, { rho: mine[i].rho, adaptive: mine[i].adaptive });
      this.paramGroups.push(g as unknown as ParamGroup<SAMOptions>);
    });
  }

  protected defaultOptions(): SAMOptions {
    return { lr: 0, rho: 0.05, adaptive: false };
  }

  protected override optionNames(): string[] {
    return ['rho', 'adaptive', 'lr'];
  }

  protected validate(o: ParamGroup<SAMOptions>): void {
    checkNonNegative('SAM', 'rho', o.rho, 'rho is the radius of the neighbourhood, e.g. 0.05 (SAM) or 2.0 (adaptive)');
    checkBoolean('SAM', 'adaptive', o.adaptive);
  }

  override addParamGroup(input: ParamGroupInput<SAMOptions>): void {
    if (!this.baseOptimizer) return super.addParamGroup(input); // during construction
    const { rho = this.defaults.rho, adaptive = this.defaults.adaptive, ...rest } = input;
    this.baseOptimizer.addParamGroup(rest as ParamGroupInput<{ lr: number }>);
    const g = this.baseOptimizer.paramGroups[this.baseOptimizer.paramGroups.length - 1];
    Object.assign(g, { rho, adaptive });
    this.validate(g as unknown as ParamGroup<SAMOptions>);
    this.paramGroups.push(g as unknown as ParamGroup<SAMOptions>);
  }

  protected update(): void {
    fail('SAM', 'step() needs a closure (SAM evaluates the loss twice): await opt.step(() => { opt.zeroGrad(); const l = f(); l.backward(); return l; })');
  }

  protected override async stepWithClosure(closure: Closure): Promise<number> {
    const loss = await closure();
    const saved = this.firstStep();
    const second = await closure();
    if (second instanceof Tensor) second.dispose();
    this.secondStep(saved);
    return lossValue(loss);
  }

  /** w ← w + ε(w); returns the original parameters (copies) to come back to. */
  firstStep(): Map<Tensor, Tensor> {
    const withGrad = this.paramGroups.flatMap((g) => g.params.filter((p) => p.grad).map((p) => ({ p, g })));
    const { norm, coef } = totalNorm(
      withGrad.map(({ p }) => p.grad!),
      2,
      { weights: withGrad.map(({ p, g }) => (g.adaptive ? p : undefined)) as Tensor[], coef: { kind: 'ascent', c: 1 } },
    );
    norm.dispose();
    const saved = new Map<Tensor, Tensor>();
    for (const { p, g } of withGrad) {
      saved.set(p, copyTensor(p, 'SAM'));
      inplace(p, g.adaptive ? 'x + a * s * x * x * grad' : 'x + a * s * grad', { inputs: { grad: p.grad! }, a: g.rho, s: coef! });
    }
    coef!.dispose();
    return saved;
  }

  /** Back to w, then the base optimizer's step with the gradients taken at w + ε. */
  secondStep(saved: Map<Tensor, Tensor>): void {
    for (const [p, w] of saved) {
      copyInto(w, p, 'SAM');
      w.dispose();
    }
    void this.baseOptimizer.step();
  }

  override zeroGrad(o: { setToNone?: boolean } = {}): void {
    this.baseOptimizer.zeroGrad(o);
  }

  override stateDict(): OptimizerStateDict {
    return this.baseOptimizer.stateDict();
  }

  /** Restore the base optimizer's state and SAM's options. */
  override loadStateDict(sd: OptimizerStateDict): void {
    this.baseOptimizer.loadStateDict(sd);
  }

  override dispose(): void {
    this.baseOptimizer.dispose();
  }
}
