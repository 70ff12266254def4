// Prints one closing line for the whole suite, "tests: N passed, N failed, N skipped", from
// vitest's JSON report and, when present, Playwright's (the end-to-end specs), and fails
// when no test ran, so CI can tell an empty run from a green one.
import { existsSync, readFileSync } from 'node:fs';

const [vitestReport, playwrightReport] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(vitestReport)) {
  const vitest = JSON.parse(readFileSync(vitestReport, 'utf8'));
  passed += vitest.numPassedTests ?? 0;
  failed += vitest.numFailedTests ?? 0;
  skipped += (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0);
} else {
  console.error(`vitest wrote no report at ${vitestReport}: the unit and integration suites did not finish`);
  process.exitCode = 1;
}
if (playwrightReport && existsSync(playwrightReport)) {
  const { stats } = JSON.parse(readFileSync(playwrightReport, 'utf8'));
  passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
  failed += stats.unexpected ?? 0;
  skipped += stats.skipped ?? 0;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed + failed === 0) {
  console.error('no test ran');
  process.exit(1);
}
