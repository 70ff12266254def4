// Runs @doyensec/electronegativity over src/ (part of npm test) and fails on any finding of
// high severity or above, on any file it could not parse, and when it parsed no TypeScript
// at all. The report stays in test-results/electronegativity/: the tool's own SARIF file and
// summary.md, with the files analysed, the counts by severity, and the review of each finding.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

// The tool fetches translations from GitHub on every run. Tests stay offline, so its HTTP
// client (got) fails at once here instead of reaching out; the tool then uses its own
// bundled English texts.
const toolRequire = createRequire(require.resolve('@doyensec/electronegativity/package.json'));
const gotPath = toolRequire.resolve('got');
const offline = () => Promise.reject(new Error('no network for electronegativity in tests'));
offline.head = offline;
require.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: offline };

const run = require('@doyensec/electronegativity');
const { LoaderDirectory } = require('@doyensec/electronegativity/dist/loader');
const { Parser } = require('@doyensec/electronegativity/dist/parser/parser');

const root = fileURLToPath(new URL('..', import.meta.url));
const input = join(root, 'src');
const outDir = join(root, 'test-results/electronegativity');
const toolVersion = require('@doyensec/electronegativity/package.json').version;
const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version;

/** Checks left out, each with its reason. Check names are the tool's class names. */
const EXCLUDED = {
  AvailableSecurityFixesGlobalCheck:
    "downloads Electron's release list from GitHub; tests run offline. Keeping Electron current is the dependency updates' job (package.json).",
};

/**
 * Findings that need a person's review, reviewed. Keyed by check and file; a finding with no
 * review here is listed as "not reviewed yet" (and fails the run only at high severity).
 */
const REVIEWS = {
  'CSP_GLOBAL_CHECK renderer/index.html':
    "csp-evaluator warns that script-src 'self' is risky where an origin also serves JSONP or user uploads. aegees://app serves only the built bundle (src/main/app-protocol.ts: GET of files inside dist/renderer); received files never get a URL on it (blob: URLs typed application/octet-stream). In Electron the page also gets the header CSP with connect-src 'none'.",
  'OPEN_EXTERNAL_JS_CHECK main/index.ts':
    'The address reaching shell.openExternal has passed allowedExternalUrl (https, a host name, no userinfo) and the person confirmed it in a dialog of the main process (src/main/external-links.ts; test/unit/main/external-links.test.ts).',
  'OPEN_EXTERNAL_JS_CHECK core/messenger/api.ts':
    "Not Electron's shell.openExternal: the engine's host hook (the browser target opens https links with the system opener, one argument, no shell). In Electron the main process answers openExternalLink itself; the engine never opens links.",
  'PRELOAD_JS_CHECK main/window-options.ts':
    'The preload (src/preload) exposes window.aegees = { call, on } and nothing else: one IPC channel per contract method, results and events validated against the contract (test/unit/preload; the Electron spec checks the page sees only call and on).',
};

const SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

const loader = new LoaderDirectory();
await loader.load(input);
const files = [...loader.list_files].map((file) => relative(input, file)).sort();

// Parse every TypeScript file with the tool's own parser, so "analysed" means parsed.
const parser = new Parser(false, true);
const unparsed = [];
let parsedTypeScript = 0;
for (const file of files.filter((name) => ['.ts', '.tsx'].includes(extname(name)))) {
  try {
    const [, ast] = parser.parse(join(input, file), readFileSync(join(input, file)));
    if (ast) parsedTypeScript += 1;
    else unparsed.push(`${file}: no syntax tree`);
  } catch (error) {
    unparsed.push(`${file}: ${error.message}`);
  }
}

mkdirSync(outDir, { recursive: true });
const result = await run(
  {
    input,
    output: join(outDir, 'report.sarif'),
    isSarif: true,
    isRelative: true,
    electronVersionOverride: electronVersion,
    customScan: [],
    excludeFromScan: Object.keys(EXCLUDED),
  },
  false,
);

const errors = result.errors.filter((error) => !error.tolerable).map((error) => `${relative(input, error.file)}: ${error.message}`);
const findings = result.issues.map((issue) => ({
  id: issue.id,
  severity: issue.severity.name,
  confidence: issue.confidence.name,
  where: `${issue.file}:${issue.location.line}`,
  review: REVIEWS[`${issue.id} ${issue.file}`],
  description: issue.description,
}));
const counts = Object.fromEntries(SEVERITIES.map((severity) => [severity, findings.filter((finding) => finding.severity === severity).length]));
const blocking = findings.filter((finding) => SEVERITIES.indexOf(finding.severity) >= SEVERITIES.indexOf('HIGH'));
const perExtension = new Map();
for (const file of files) perExtension.set(extname(file) || file, (perExtension.get(extname(file) || file) ?? 0) + 1);
const byExtension = [...perExtension].map(([ext, count]) => `${count} ${ext}`);

const problems = [
  ...blocking.map((finding) => `${finding.severity}: ${finding.id} at ${finding.where}`),
  ...errors.map((error) => `not analysed: ${error}`),
  ...unparsed.map((error) => `not parsed: ${error}`),
  ...(parsedTypeScript === 0 ? ['no TypeScript file was parsed'] : []),
];

const summary = [
  '# Electronegativity report',
  '',
  `@doyensec/electronegativity ${toolVersion} over \`src/\`, assuming Electron ${electronVersion} (node_modules/electron).`,
  `Result: ${problems.length === 0 ? 'pass' : 'FAIL'}. The run fails on a finding of high severity or above, on a file it cannot analyse, and when no TypeScript was parsed.`,
  '',
  '## Counts by severity',
  '',
  ...SEVERITIES.map((severity) => `- ${severity.toLowerCase()}: ${counts[severity]}`),
  '',
  '## Findings',
  '',
  '| check | severity | confidence | where | review |',
  '| --- | --- | --- | --- | --- |',
  ...findings.map((finding) => `| ${finding.id} | ${finding.severity} | ${finding.confidence} | ${finding.where} | ${finding.review ?? `not reviewed yet: ${finding.description}`} |`),
  '',
  '## Checks left out',
  '',
  ...Object.entries(EXCLUDED).map(([check, reason]) => `- ${check}: ${reason}`),
  '',
  `## Files analysed (${files.length}: ${byExtension.join(', ')}; ${parsedTypeScript} TypeScript files parsed)`,
  '',
  ...files.map((file) => `- src/${file}`),
  ...(problems.length > 0 ? ['', '## Problems', '', ...problems.map((problem) => `- ${problem}`)] : []),
  '',
].join('\n');
writeFileSync(join(outDir, 'summary.md'), summary);

console.log(
  `electronegativity: ${files.length} files analysed (${byExtension.join(', ')}; ${parsedTypeScript} TypeScript parsed); ` +
    `findings: ${SEVERITIES.slice().reverse().map((severity) => `${counts[severity]} ${severity.toLowerCase()}`).join(', ')}; ` +
    `report in ${relative(root, outDir)}/`,
);
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
