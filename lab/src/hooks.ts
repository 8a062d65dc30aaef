/**
 * What the page exposes for its own test (test/lab_page/page.test.ts) and for the curious in the console:
 * window.__lab holds each section's latest numbers.
 */
export const lab: Record<string, unknown> = {};
(window as unknown as { __lab: typeof lab }).__lab = lab;
