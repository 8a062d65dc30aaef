/** noGrad: run code without recording anything on the tape (evaluation, manual updates). */
import { setGradEnabled, isGradEnabled } from '../tensor/index.js';

/** Run `fn` without recording on the autograd tape and return its result (torch.no_grad); for evaluation and manual updates. */
export function noGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(false);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    setGradEnabled(prev);
    throw e;
  }
  if (result instanceof Promise) {
    // async bodies: recording stays off until the promise settles
    return result.finally(() => setGradEnabled(prev)) as T;
  }
  setGradEnabled(prev);
  return result;
}

/** Run fn with recording on (inside a noGrad, for example). */
export function enableGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(true);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

export { isGradEnabled };
