// Progress bars for the lab report: one cli-progress bar per run (a new bar whenever an exercise reports
// a new label), all under one MultiBar so finished runs stay visible above the running one.
import cliProgress from 'cli-progress';

export function createProgress({ enabled = true } = {}) {
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
