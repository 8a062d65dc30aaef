/**
 * One progress line for scripts (the demo, the examples, the benchmarks), drawn by `cli-progress`:
 *
 *   const bar = createProgress('train', steps);
 *   for (let i = 0; i < steps; i++) { ...; bar.update(i + 1, { loss: loss.toFixed(3) }); }
 *   bar.stop();
 *
 * On a terminal the line redraws in place; when output goes to a file or a CI log (no TTY) it prints
 * a plain line at most every 10% so logs stay short.
 */
import cliProgress from 'cli-progress';

export function createProgress(label, total) {
  const tty = !!process.stderr.isTTY;
  if (!tty) {
    let shown = -1;
    return {
      update(n, info = {}) {
        const tenth = Math.floor((10 * n) / Math.max(total, 1));
        if (tenth === shown && n !== total) return;
        shown = tenth;
        const extra = Object.entries(info).map(([k, v]) => ` ${k} ${v}`).join('');
        console.error(`${label} ${n}/${total}${extra}`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} {info}`, hideCursor: true, clearOnComplete: false, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { info: '' });
  return {
    update(n, info = {}) {
      bar.update(n, { info: Object.entries(info).map(([k, v]) => `${k} ${v}`).join(' ') });
    },
    stop() {
      bar.stop();
    },
  };
}

// Progress bars for the lab report: one cli-progress bar per run (a new bar whenever an exercise reports
// a new label), all under one MultiBar so finished runs stay visible above the running one.

export function createMultiProgress({ enabled = true } = {}) {
  if (!enabled) return { forExercise: () => () => {}, log: (s) => console.log(s), stop: () => {} };
  const tty = !!process.stdout.isTTY;
  const multi = new cliProgress.MultiBar(
    {
      format: ' {prefix} |{bar}| {percentage}% {value}/{total} {label} {duration}s',
      barsize: 24,
      hideCursor: tty,
      clearOnComplete: false,
      stopOnComplete: false,
      noTTYOutput: !tty,
      notTTYSchedule: 10_000,
      forceRedraw: !tty,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    /** A progress callback (done, total, label) for one exercise. */
    forExercise(prefix) {
      let bar = null;
      let label = null;
      return (done, total, l = '') => {
        if (!bar || l !== label) {
          if (bar) bar.update(bar.getTotal());
          bar = multi.create(Math.max(total, 1), 0, { prefix, label: l });
          label = l;
        }
        if (bar.getTotal() !== total) bar.setTotal(Math.max(total, 1));
        bar.update(Math.min(done, total), { label: l });
      };
    },
    log(s) {
      multi.log(`${s}\n`);
    },
    stop() {
      multi.stop();
    },
  };
}
