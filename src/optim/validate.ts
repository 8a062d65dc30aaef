/** Option checks shared by the optimizers: each error names the optimizer, the option, the value and the fix. */

export function fail(opt: string, msg: string): never {
  throw new Error(`webgrad.optim.${opt}: ${msg}`);
}

const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

export function checkNumber(opt: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) fail(opt, `${name} must be a number (got ${show(v)})`);
  return v;
}

/** v >= 0 (and finite). */
export function checkNonNegative(opt: string, name: string, v: unknown, fix = `pass a value >= 0`): void {
  const x = checkNumber(opt, name, v);
  if (!(x >= 0) || !Number.isFinite(x)) fail(opt, `${name} must be >= 0 (got ${show(v)}); ${fix}`);
}

/** v > 0. */
export function checkPositive(opt: string, name: string, v: unknown, fix = `pass a value > 0`): void {
  const x = checkNumber(opt, name, v);
  if (!(x > 0) || !Number.isFinite(x)) fail(opt, `${name} must be > 0 (got ${show(v)}); ${fix}`);
}

/** lo <= v < hi (or <= hi when closed). */
export function checkInRange(opt: string, name: string, v: unknown, lo: number, hi: number, closed = false): void {
  const x = checkNumber(opt, name, v);
  if (!(x >= lo && (closed ? x <= hi : x < hi))) fail(opt, `${name} must be in [${lo}, ${hi}${closed ? ']' : ')'} (got ${show(v)})`);
}

/** betas: a pair, each in [0, 1). */
export function checkBetas(opt: string, v: unknown, name = 'betas'): void {
  if (!Array.isArray(v) || v.length !== 2) fail(opt, `${name} must be a pair [beta1, beta2] (got ${show(v)})`);
  v.forEach((b, i) => {
    const x = checkNumber(opt, `${name}[${i}]`, b);
    if (!(x >= 0 && x < 1)) fail(opt, `${name}[${i}] must be in [0, 1) (got ${x}); typical values are [0.9, 0.999]`);
  });
}

export function checkBoolean(opt: string, name: string, v: unknown): void {
  if (typeof v !== 'boolean') fail(opt, `${name} must be true or false (got ${show(v)})`);
}

export function checkInteger(opt: string, name: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(opt, `${name} must be an integer >= ${min} (got ${show(v)})`);
}

const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Options must be known keys: a typo (or torch's snake_case, `weight_decay`) would otherwise be ignored
 * silently and train with the default.
 */
export function checkKnownOptions(opt: string, given: object, known: readonly string[], where = 'option'): void {
  for (const k of Object.keys(given)) {
    if (known.includes(k)) continue;
    const hint = known.includes(camel(k)) ? `; options are camelCase here: use '${camel(k)}'` : `; known options: ${known.join(', ')}`;
    fail(opt, `unknown ${where} '${k}'${hint}`);
  }
}

/** In a param group, arbitrary extra keys are allowed (as torch), but snake_case spellings of options are mistakes. */
export function checkGroupKeys(opt: string, group: object, known: readonly string[]): void {
  for (const k of Object.keys(group)) {
    if (k.includes('_') && known.includes(camel(k))) {
      fail(opt, `param group key '${k}' is torch's spelling; options are camelCase here: use '${camel(k)}'`);
    }
  }
}

/**
 * The first argument of an optimizer: an iterable of tensors or of param groups. The common mistakes
 * (a Module, a single tensor, a plain object) would otherwise fail with a TypeError far from the cause.
 */
export function checkParamsArgument(opt: string, params: unknown, isTensor: (v: unknown) => boolean): void {
  const v = params as { parameters?: unknown; [Symbol.iterator]?: unknown } | null | undefined;
  if (v && typeof v === 'object' && typeof v.parameters === 'function') {
    fail(opt, `got a Module; pass its parameters: new ${opt}(model.parameters(), { ... })`);
  }
  if (isTensor(v)) fail(opt, `got a single Tensor; pass a list of tensors: new ${opt}([t], { ... })`);
  if (v === null || v === undefined || typeof v[Symbol.iterator] !== 'function' || typeof v === 'string') {
    fail(opt, `params must be an iterable of tensors or of param groups { params, ...options } (got ${v === null ? 'null' : typeof v}); pass model.parameters() or [t1, t2]`);
  }
}
