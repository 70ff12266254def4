// Bundles the Electron shell into dist/electron (npm run build:electron, after the renderer):
//   main.cjs     the main process (src/main/index.ts)
//   preload.cjs  the preload, one file: a sandboxed preload can require only 'electron'
//   engine.cjs   the engine process (src/main/engine/entry.ts)
// npm dependencies stay external: electron-builder packs them from node_modules, where the
// native ones (sodium-native, keytar, the SQLite binding) find their compiled addons.
// The build fails if the main bundle contains the engine or a native module: main only routes.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/electron`;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const electronVersion = JSON.parse(readFileSync(`${root}node_modules/electron/package.json`, 'utf8')).version;
// Electron 45 ships Node 22 and a Chromium of the same era.
const nodeTarget = 'node22';
const external = ['electron', ...Object.keys(pkg.dependencies ?? {})];

// Our modules find files next to themselves with import.meta.url; in a CommonJS bundle
// that becomes the bundle's own file URL.
const importMetaUrl = {
  define: { 'import.meta.url': '__aegeesBundleUrl' },
  banner: { js: "'use strict';\nconst __aegeesBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
};

const common = { bundle: true, format: 'cjs', sourcemap: 'linked', logLevel: 'warning', metafile: true, absWorkingDir: root };

const [main, preload, engine] = await Promise.all([
  build({ ...common, ...importMetaUrl, entryPoints: ['src/main/index.ts'], outfile: `${outdir}/main.cjs`, platform: 'node', target: nodeTarget, external }),
  build({ ...common, entryPoints: ['src/preload/index.ts'], outfile: `${outdir}/preload.cjs`, platform: 'browser', target: 'es2022', external: ['electron'] }),
  build({ ...common, ...importMetaUrl, entryPoints: ['src/main/engine/entry.ts'], outfile: `${outdir}/engine.cjs`, platform: 'node', target: nodeTarget, external }),
]);

function inputs(result) {
  return Object.keys(result.metafile.inputs).map((path) => relative(root, `${root}${path}`));
}

const problems = [
  ...inputs(main)
    .filter((path) => path.startsWith('src/core/') || path.startsWith('src/main/engine/'))
    .map((path) => `main.cjs must not contain the engine: ${path}`),
  ...Object.values(main.metafile.outputs)
    .flatMap((output) => output.imports)
    .filter((entry) => entry.external && ['sodium-native', 'keytar', 'better-sqlite3-multiple-ciphers'].includes(entry.path))
    .map((entry) => `main.cjs must not load a native module: ${entry.path}`),
  ...inputs(preload)
    .filter((path) => !(path.startsWith('src/preload/') || path.startsWith('src/common/') || path.startsWith('node_modules/zod/')))
    .map((path) => `preload.cjs may hold only the preload, src/common and zod: ${path}`),
];
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`dist/electron: main.cjs, preload.cjs, engine.cjs (${inputs(engine).length} engine modules) for Electron ${electronVersion}`);
