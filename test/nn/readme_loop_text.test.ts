// @node-only (reads README.md from disk)
// The loop that readme_loop.test.ts runs is the one README.md shows.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import { README_LOOP } from './readme_loop.js';

describe('README.md', () => {
  it('shows exactly the training loop that the memory test runs', () => {
    const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(README_LOOP);
  });
});
