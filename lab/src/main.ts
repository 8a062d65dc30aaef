/** The optimizer lab: webgrad imported by its package name, as an application would. */
import * as wg from 'webgrad';
import { h } from './ui.js';
import { lab } from './hooks.js';
import { mountRace } from './race.js';
import { mountAdam } from './adam.js';
import { mountKernel } from './kernel.js';
import { mountSchedules } from './schedules.js';
import { mountMomentum } from './momentum.js';
import { mountWorked } from './worked.js';
import { mountLrFinder, mountShowdown, mountPca, mountLandscape, mountBatch } from './mnist.js';
import { mountExercises } from './exercises.js';

const sections: [string, (root: HTMLElement) => void | Promise<void>][] = [
  ['race', mountRace],
  ['adam', mountAdam],
  ['kernel', mountKernel],
  ['schedules', mountSchedules],
  ['momentum', mountMomentum],
  ['worked', mountWorked],
  ['lrfinder', mountLrFinder],
  ['mnist', mountShowdown],
  ['pca', mountPca],
  ['landscape', mountLandscape],
  ['batch', mountBatch],
  ['exercises', mountExercises],
];

async function main(): Promise<void> {
  const device = document.getElementById('device')!;
  const toc = document.getElementById('toc')!;
  for (const s of document.querySelectorAll('main > section')) {
    toc.append(h('a', { href: `#${s.id}`, 'data-section': s.id }, s.querySelector('h2')?.textContent?.replace(/^\d+\.\s*/, '') ?? s.id));
  }
  // the hash holds the settings, so the table of contents scrolls instead of navigating
  toc.addEventListener('click', (ev) => {
    const a = (ev.target as HTMLElement).closest('a');
    if (!a) return;
    ev.preventDefault();
    document.getElementById(a.dataset.section!)?.scrollIntoView({ behavior: 'smooth' });
  });
  try {
    const info = await wg.init();
    device.textContent = `WebGPU adapter: ${info.adapter}${info.software ? ' (software: correct but slow)' : ''}`;
  } catch (e) {
    device.textContent = `No WebGPU: ${(e as Error).message}`;
    device.classList.add('error');
    return;
  }
  for (const [id, mount] of sections) {
    const root = document.getElementById(id)!;
    try {
      await mount(root);
    } catch (e) {
      root.append(h('p', { class: 'error' }, `This section failed: ${(e as Error).message}`));
      console.error(e);
    }
  }
  lab.mounted = true;
}

void main();
