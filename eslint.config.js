import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Layering by runtime (VS Code's convention). Each folder may import only what its
// runtime provides; docs/ARCHITECTURE.md explains the rule for each folder.
const nodeBuiltins = builtinModules.flatMap((name) => [name, `${name}/*`, `node:${name}`, `node:${name}/*`]);
const nativeAndCore = ['sodium-native', 'keytar', 'better-sqlite3-multiple-ciphers', 'better-sqlite3', 'pg', 'ws', 'pino'];

function restrict(paths, patterns, message) {
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: paths.map((name) => ({ name, message })),
        patterns: patterns.map((group) => ({ group: [group], message })),
      },
    ],
  };
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'release/', 'test-results/', 'playwright-report/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/common/**'],
    rules: restrict(
      [...nodeBuiltins, 'electron', ...nativeAndCore],
      ['**/core/**', '**/main/**', '**/preload/**', '**/renderer/**', '**/relay/**', '**/host/**'],
      'src/common is plain TypeScript: no Node, no DOM, no Electron, no other layer.',
    ),
  },
  {
    files: ['src/core/**', 'src/relay/**', 'src/host/**'],
    rules: restrict(
      ['electron'],
      ['**/main/**', '**/preload/**', '**/renderer/**'],
      'Core, relay and host are Electron-free Node code; only src/main and src/preload import electron.',
    ),
  },
  {
    files: ['src/preload/**'],
    rules: restrict(
      [...nodeBuiltins, ...nativeAndCore],
      ['**/core/**', '**/main/**', '**/renderer/**', '**/relay/**', '**/host/**'],
      'The preload exposes the API contract over IPC and nothing else: electron and src/common only.',
    ),
  },
  {
    files: ['src/renderer/**'],
    rules: restrict(
      [...nodeBuiltins, 'electron', ...nativeAndCore],
      ['**/core/**', '**/main/**', '**/preload/**', '**/relay/**', '**/host/**'],
      'The renderer imports only src/common (the API contract) and UI libraries.',
    ),
  },
  {
    // Message text and every other received string are data: nothing in the renderer may
    // turn a string into markup, whatever it was sanitised with.
    files: ['src/renderer/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']", message: 'Render text as React children; never as HTML.' },
        { selector: "MemberExpression[property.name=/^(innerHTML|outerHTML)$/]", message: 'Never assign markup strings; build elements with React.' },
        { selector: "CallExpression[callee.property.name=/^(insertAdjacentHTML|write|writeln|createContextualFragment|parseFromString)$/]", message: 'Never parse markup strings in the renderer.' },
        { selector: "Property[key.name='dangerouslySetInnerHTML']", message: 'Render text as React children; never as HTML.' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['test/**', 'bench/**', 'e2e/**', 'scripts/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
