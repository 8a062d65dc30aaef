/**
 * Every setting of the page lives in the URL hash (`#race.fn=rosenbrock&race.steps=2000&...`), so a view
 * can be shared as a link. Controls read their value from the hash when they are created, write it back
 * on every change (history.replaceState: no history entry per slider tick), and a hash edited by hand or
 * by back/forward is applied to the controls again.
 */
type Listener = () => void;

let params = new URLSearchParams(location.hash.slice(1));
const appliers = new Map<string, Listener>();

export function getParam(key: string): string | null {
  return params.get(key);
}

export function setParam(key: string, value: string): void {
  if (params.get(key) === value) return;
  params.set(key, value);
  history.replaceState(null, '', `#${params.toString()}`);
}

/** Called when the hash changes from outside (a pasted link, back/forward): re-read this key. */
export function onExternalChange(key: string, apply: Listener): void {
  appliers.set(key, apply);
}

window.addEventListener('hashchange', () => {
  const next = new URLSearchParams(location.hash.slice(1));
  const changed = [...new Set([...next.keys(), ...params.keys()])].filter((k) => next.get(k) !== params.get(k));
  params = next;
  for (const k of changed) appliers.get(k)?.();
});

/** Number from the hash, or the default when absent or not a finite number. */
export function numParam(key: string, fallback: number): number {
  const raw = params.get(key);
  const v = raw === null ? NaN : Number(raw);
  return Number.isFinite(v) ? v : fallback;
}

/** Shortest text that reads back as the same float64. */
export function fmtParam(v: number): string {
  return String(v);
}
