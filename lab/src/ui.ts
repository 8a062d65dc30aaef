/** Small DOM helpers and URL-bound controls (no framework: a control is an element plus a value). */
import { getParam, setParam, onExternalChange, numParam, fmtParam } from './state.js';

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

export interface Control<T> {
  el: HTMLElement;
  readonly value: T;
  set(v: T): void;
}

export const fmt = (v: number, digits = 4): string => {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(digits))) : v.toExponential(digits - 1);
};

/** A slider bound to `key` in the URL; `log` makes it move over log10 of the value. */
export function slider(
  key: string,
  label: string,
  o: { min: number; max: number; step?: number; value: number; log?: boolean; integer?: boolean },
  onChange: () => void,
): Control<number> {
  const input = h('input', { type: 'range', 'data-key': key });
  const out = h('output');
  const toPos = (v: number) => (o.log ? Math.log10(v) : v);
  const fromPos = (x: number) => (o.log ? Number((10 ** x).toPrecision(3)) : o.integer ? Math.round(x) : x);
  input.min = String(toPos(o.min));
  input.max = String(toPos(o.max));
  input.step = String(o.step ?? (o.log ? 0.01 : (o.max - o.min) / 200));
  let value = numParam(key, o.value);
  const show = () => {
    input.value = String(toPos(value));
    out.textContent = fmt(value);
  };
  show();
  setParam(key, fmtParam(value));
  input.addEventListener('input', () => {
    value = fromPos(Number(input.value));
    out.textContent = fmt(value);
    setParam(key, fmtParam(value));
    onChange();
  });
  onExternalChange(key, () => {
    value = numParam(key, o.value);
    show();
    onChange();
  });
  return {
    el: h('label', { class: 'control' }, h('span', {}, label), input, out),
    get value() {
      return value;
    },
    set(v: number) {
      value = v;
      show();
      setParam(key, fmtParam(v));
    },
  };
}

/** A number field bound to `key`. */
export function numberField(key: string, label: string, def: number, onChange: () => void, step = 'any'): Control<number> {
  const input = h('input', { type: 'number', step, 'data-key': key });
  let value = numParam(key, def);
  input.value = String(value);
  setParam(key, fmtParam(value));
  input.addEventListener('change', () => {
    const v = Number(input.value);
    if (!Number.isFinite(v) || input.value.trim() === '') {
      input.value = String(value);
      return;
    }
    value = v;
    setParam(key, fmtParam(value));
    onChange();
  });
  onExternalChange(key, () => {
    value = numParam(key, def);
    input.value = String(value);
    onChange();
  });
  return {
    el: h('label', { class: 'control' }, h('span', {}, label), input),
    get value() {
      return value;
    },
    set(v: number) {
      value = v;
      input.value = String(v);
      setParam(key, fmtParam(v));
    },
  };
}

/** A select bound to `key`; onChange learns whether the change came from the URL (a pasted link). */
export function select(key: string, label: string, options: [string, string][], def: string, onChange: (fromUrl: boolean) => void): Control<string> {
  const el = h('select', { 'data-key': key });
  for (const [v, text] of options) el.append(h('option', { value: v }, text));
  const valid = (v: string | null) => (v !== null && options.some(([o]) => o === v) ? v : def);
  let value = valid(getParam(key));
  el.value = value;
  setParam(key, value);
  el.addEventListener('change', () => {
    value = el.value;
    setParam(key, value);
    onChange(false);
  });
  onExternalChange(key, () => {
    value = valid(getParam(key));
    el.value = value;
    onChange(true);
  });
  return {
    el: h('label', { class: 'control' }, h('span', {}, label), el),
    get value() {
      return value;
    },
    set(v: string) {
      value = valid(v);
      el.value = value;
      setParam(key, value);
    },
  };
}

/** A set of checkboxes bound to one comma-separated key. */
export function checks(key: string, label: string, options: [string, string][], def: string[], onChange: () => void): Control<string[]> {
  const parse = (raw: string | null) => (raw === null ? def : raw.split(',').filter((v) => options.some(([o]) => o === v)));
  let value = parse(getParam(key));
  const boxes = options.map(([v, text]) => {
    const box = h('input', { type: 'checkbox', value: v, 'data-key': `${key}:${v}` });
    return { v, box, el: h('label', { class: 'check' }, box, text) };
  });
  const show = () => boxes.forEach(({ v, box }) => (box.checked = value.includes(v)));
  show();
  setParam(key, value.join(','));
  for (const { box } of boxes) {
    box.addEventListener('change', () => {
      value = boxes.filter((b) => b.box.checked).map((b) => b.v);
      setParam(key, value.join(','));
      onChange();
    });
  }
  onExternalChange(key, () => {
    value = parse(getParam(key));
    show();
    onChange();
  });
  return {
    el: h('div', { class: 'control checks' }, h('span', {}, label), ...boxes.map((b) => b.el)),
    get value() {
      return value;
    },
    set(v: string[]) {
      value = v;
      show();
      setParam(key, value.join(','));
    },
  };
}

/** A boolean checkbox bound to `key` ('1' / '0'). */
export function toggle(key: string, label: string, def: boolean, onChange: () => void): Control<boolean> {
  const box = h('input', { type: 'checkbox', 'data-key': key });
  const parse = () => {
    const raw = getParam(key);
    return raw === null ? def : raw === '1';
  };
  let value = parse();
  box.checked = value;
  setParam(key, value ? '1' : '0');
  box.addEventListener('change', () => {
    value = box.checked;
    setParam(key, value ? '1' : '0');
    onChange();
  });
  onExternalChange(key, () => {
    value = parse();
    box.checked = value;
    onChange();
  });
  return {
    el: h('label', { class: 'check' }, box, label),
    get value() {
      return value;
    },
    set(v: boolean) {
      value = v;
      box.checked = v;
      setParam(key, v ? '1' : '0');
    },
  };
}

/** Run `fn` at most once per `ms` after the last call (slider drags). */
export function debounce(fn: () => void, ms = 250): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

/** Render a table of rows (first row: header). */
export function table(rows: (string | number)[][]): HTMLTableElement {
  const t = h('table');
  rows.forEach((r, i) => t.append(h('tr', {}, ...r.map((c) => h(i === 0 ? 'th' : 'td', {}, typeof c === 'number' ? fmt(c) : c)))));
  return t;
}

/** Let the browser paint between chunks of GPU work. */
export const nextFrame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
