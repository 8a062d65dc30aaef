#!/usr/bin/env node
// The suite must pass the same tests in Chromium as in Node (DESIGN principle 10). Compares the
// reports `webgrad test --report` wrote for the two runs (npm run test:node, npm run test:browser):
// the names of passed tests must be equal, once the tests of `// @node-only` files are set aside on
// the Node side (they are counted, and listed by file).
//
//   node test/browser/compare.mjs [node.json] [chromium.json]    (defaults: out/test-node.json, out/test-chromium.json)
import fs from 'node:fs';

const [nodeFile = 'out/test-node.json', chromeFile = 'out/test-chromium.json'] = process.argv.slice(2);
const read = (f) => {
  try {
    return JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch (e) {
    console.error(`compare: cannot read ${f} (${e.message}); run npm run test:node and npm run test:browser first`);
    process.exit(1);
  }
};
const node = read(nodeFile);
const chrome = read(chromeFile);
const nodeOnly = new Set(chrome.nodeOnly);
const fileOf = (name) => name.split(' > ')[0];
const excluded = node.passed.filter((n) => nodeOnly.has(fileOf(n)));
const nodePassed = new Set(node.passed.filter((n) => !nodeOnly.has(fileOf(n))));
const chromePassed = new Set(chrome.passed);
const onlyNode = [...nodePassed].filter((n) => !chromePassed.has(n));
const onlyChrome = [...chromePassed].filter((n) => !nodePassed.has(n));

console.log(
  `Node: ${node.passed.length} passed (${excluded.length} of them in ${nodeOnly.size} node-only file(s): ${[...nodeOnly].join(', ') || 'none'}), ` +
    `so ${nodePassed.size} to compare; Chromium: ${chromePassed.size} passed.`,
);
if (onlyNode.length || onlyChrome.length) {
  if (onlyNode.length) console.log(`Passed in Node but not in Chromium (${onlyNode.length}):\n  ${onlyNode.join('\n  ')}`);
  if (onlyChrome.length) console.log(`Passed in Chromium but not in Node (${onlyChrome.length}):\n  ${onlyChrome.join('\n  ')}`);
  console.log('The two runs differ.');
  process.exit(1);
}
if (nodePassed.size === 0) {
  console.log('No passed tests to compare.');
  process.exit(1);
}
console.log(`The same ${nodePassed.size} tests passed in Node and in Chromium.`);
