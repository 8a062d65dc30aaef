// The size budget (DESIGN principle 12): small files with one purpose, and a library small enough to
// read in an afternoon. Fails when a file in src/ passes FILE_LIMIT lines or src/ passes TOTAL_LIMIT.
import fs from 'node:fs';
import path from 'node:path';

const FILE_LIMIT = 400;
// 10,000 since src/analysis (the lab), src/testing, profiling, anomaly mode and device-loss handling joined;
// 13,500 for the second wave of tensor ops and the nn modules of real models (conv, pooling, norms, attention).
const TOTAL_LIMIT = 13500;

const files = [];
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (p.endsWith('.ts')) files.push(p);
  }
};
walk('src');
let total = 0;
const over = [];
for (const f of files) {
  const lines = fs.readFileSync(f, 'utf8').split('\n').length;
  total += lines;
  if (lines > FILE_LIMIT) over.push(`${f}: ${lines} lines (limit ${FILE_LIMIT}); split it by purpose`);
}
if (total > TOTAL_LIMIT) over.push(`src/ holds ${total} lines (budget ${TOTAL_LIMIT})`);
if (over.length) {
  console.error('size budget exceeded:\n  ' + over.join('\n  '));
  process.exit(1);
}
console.log(`size budget OK: ${files.length} files, ${total} lines in src/ (budget ${TOTAL_LIMIT}, ${FILE_LIMIT} per file)`);
