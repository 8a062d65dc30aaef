/**
 * Anomaly detection (torch.autograd.detect_anomaly): while on, every op's output and every backward
 * rule's gradients are checked on the GPU for NaN/Inf by a small kernel; the next toArray()/item()
 * throws naming the first op that produced one, e.g. "log (forward) produced an infinity". Off (the
 * default) it adds nothing: no dispatch, no readback.
 *
 *   wg.autograd.detectAnomaly(true);  ...;  wg.autograd.detectAnomaly(false);
 *   await wg.autograd.detectAnomaly(async () => { ... });   // on for the callback only
 */
import { setAnomalyMode, anomalyMode } from '../tensor/checks.js';

/** Turn anomaly detection on or off: each op's output and each backward rule's gradients are checked for NaN/Inf on the GPU; the next readback names the first op that produced one. */
export function detectAnomaly(on: boolean): void;
/** Run fn with anomaly detection on, then restore the previous mode. */
export function detectAnomaly<T>(fn: () => T): T;
export function detectAnomaly<T>(arg: boolean | (() => T)): T | void {
  if (typeof arg === 'boolean') return void setAnomalyMode(arg);
  if (typeof arg !== 'function') throw new Error('webgrad.autograd.detectAnomaly: pass true, false or a function to run with detection on');
  const prev = setAnomalyMode(true);
  let result: T;
  try {
    result = arg();
  } catch (e) {
    setAnomalyMode(prev);
    throw e;
  }
  if (result instanceof Promise) return result.finally(() => setAnomalyMode(prev)) as T;
  setAnomalyMode(prev);
  return result;
}

/** Whether anomaly detection is on. */
export function isAnomalyEnabled(): boolean {
  return anomalyMode();
}
