// Runs every benchmark suite in bench/suites, each in its own process so one suite's
// heap and native allocations cannot skew the next. `npm run bench -- NAME` runs the
// suites whose file name contains NAME. Each suite prints Markdown for docs/BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const suitesDir = join(fileURLToPath(new URL('.', import.meta.url)), 'suites');
const filters = process.argv.slice(2);
const suites = readdirSync(suitesDir)
  .filter((name) => name.endsWith('.ts'))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();

if (suites.length === 0) {
  console.error(`no benchmark suite matches ${filters.join(', ')}`);
  process.exit(1);
}

let failed = false;
for (const suite of suites) {
  console.log(`\n<!-- bench/suites/${suite} -->`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(suitesDir, suite)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    console.error(`bench/suites/${suite} failed with status ${result.status}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
