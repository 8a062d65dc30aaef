/**
 * Every exercise module of the lab (lab/exercises/index.ts: `meta = { id, title }`, `run(wg, opts?, progress?)`)
 * runnable from the page with the material's default settings: the measured claims first, then the
 * whole JSON result. The list is the lab's own, so a new exercise appears here by itself.
 */
import * as webgrad from 'webgrad';
import type { Wg, Claim } from '../exercises/common.js';
import { h, toggle } from './ui.js';
import { lab } from './hooks.js';

export async function mountExercises(root: HTMLElement): Promise<void> {
  root.append(h('p', {}, "The lab's exercise modules, as `npm run demo` runs them for the report, with the course material's settings (or the smaller 'quick' settings where a module has them). Some take minutes on a software adapter."));
  const quick = toggle('ex.quick', "quick settings (where a module has them)", true, () => {});
  root.append(quick.el);
  const { exercises } = await import('../exercises/index.js');
  const loaded = [...exercises]; // in LAB.md order, then the named extras (custom-op)
  const list = h('div', {});
  for (const m of loaded) {
    const id = `ex-${m.meta.id}`;
    const b = h('button', { id: `${id}-run` }, 'Run');
    const status = h('span', { class: 'status' });
    const out = h('div', {});
    b.addEventListener('click', async () => {
      b.disabled = true;
      status.classList.remove('error');
      const t0 = performance.now();
      try {
        const result = (await m.run(webgrad as unknown as Wg, quick.value ? m.quick : undefined, (done: number, total: number, label?: string) => {
          status.textContent = ` ${done}/${total} ${label ?? ''}`;
        })) as { claims?: Claim[] };
        status.textContent = ` done in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
        lab[id] = result;
        out.replaceChildren(
          ...(result.claims ?? []).map((c) =>
            h('div', { class: 'claim' }, h('p', {}, h('b', {}, `${c.claim} — ${c.verdict}. `), `(${c.setting}) ${c.evidence}`), ...(c.lesson ? [h('p', {}, h('i', {}, 'Where the lesson holds: '), c.lesson)] : [])),
          ),
          h('details', {}, h('summary', {}, 'the whole result (JSON)'), h('pre', { class: 'wgsl' }, JSON.stringify(result, null, 1))),
        );
      } catch (e) {
        status.textContent = ` failed: ${(e as Error).message}`;
        status.classList.add('error');
        console.warn(e);
      } finally {
        b.disabled = false;
      }
    });
    list.append(h('div', { class: 'exercise' }, h('h3', {}, `Exercise ${m.meta.id}: ${m.meta.title} `), b, status, out));
  }
  root.append(list);
}
