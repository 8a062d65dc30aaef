// npm run test:package: pack once, then check the tarball as users get it: scripts/check-consumer.mjs
// (size, install, type checks on TypeScript 5.9 and 7) and scripts/check-examples.mjs (the starter
// examples installed from it, run in Node and in headless Chromium). Installs reuse npm's cache and
// the TypeScript installs kept in the temp dir, so a second run takes a few minutes.
import { execFileSync } from 'node:child_process';
import { packTarball } from './package-tools.mjs';

const env = { ...process.env, WEBGRAD_TARBALL: packTarball() };
for (const script of ['scripts/check-consumer.mjs', 'scripts/check-examples.mjs']) {
  console.log(`\n== ${script}`);
  execFileSync(process.execPath, [script], { stdio: 'inherit', env });
}
