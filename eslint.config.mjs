// ESLint (flat config). `npm run lint` runs it on the whole tree with zero warnings allowed.
//
// - TypeScript (src, test, scripts, the tool configs): typescript-eslint's type-aware
//   recommended rules, types from tsconfig.json through the project service.
// - Layering (DESIGN.md): src/common imports nothing from src/modules, src/server or
//   src/db, src/modules nothing from src/server (import-x/no-restricted-paths, which
//   counts type imports); and no import cycle, type imports included (our own rule,
//   lint/import-cycles.mjs: import-x/no-cycle cannot count type imports).
// - The browser code the server serves (src/server/console/app: ES modules;
//   src/server/graphiql/page.js: a classic script): ESLint's recommended rules with
//   the browser globals they use, import-x/no-cycle among the console's modules.
import { defineConfig } from 'eslint/config';
import { builtinRules } from 'eslint/use-at-your-own-risk';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import importCycles from './lint/import-cycles.mjs';

/** ESLint's own "recommended" set (what @eslint/js ships, taken from the rules' metadata: that package is not installed). */
const eslintRecommended = Object.fromEntries(
  [...builtinRules].filter(([, rule]) => rule.meta?.docs?.recommended).map(([name]) => [name, 'error']),
);

const readonly = (names) => Object.fromEntries(names.map((name) => [name, 'readonly']));

/** Node's globals our plain-JS files use (lint/, this file). */
const nodeGlobals = readonly(['process', 'console', 'URL']);

/** The browser globals the served pages use (kept explicit: the `globals` package is not installed). */
const browserGlobals = readonly([
  'window', 'document', 'location', 'history', 'navigator', 'localStorage', 'sessionStorage', 'console',
  'fetch', 'Headers', 'Request', 'Response', 'FormData', 'URL', 'URLSearchParams', 'WebSocket', 'DOMParser',
  'AbortController', 'Event', 'CustomEvent', 'HTMLElement', 'Node', 'performance',
  'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'requestAnimationFrame', 'queueMicrotask',
  'addEventListener', 'removeEventListener', 'alert', 'confirm', 'encodeURIComponent', 'decodeURIComponent',
]);

const unusedVars = ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }];

export default defineConfig(
  {
    ignores: ['node_modules/', 'dist/', 'schema/', '.deskql/', '.test-data/', 'test/__generated__/'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error', reportUnusedInlineConfigs: 'error' },
    plugins: { 'import-x': importX, deskql: { rules: { 'import-cycles': importCycles } } },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.mts', '.js', '.mjs', '.json'] })],
    },
  },

  // ---------------------------------------------------------------- TypeScript, type-aware
  {
    files: ['**/*.ts', '**/*.mts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.browser.config.mts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      ...eslintRecommended,
      // TypeScript checks these itself (and knows the types the core rules guess at).
      ...tseslint.configs.eslintRecommended.rules,
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': unusedVars,
      // `interface ViewerAgent extends Agent {}`: how a module widens a slot common/ declares (src/common/context.ts).
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      // Promise.all over values that may be promises (graphql-ws's dispose(): void | Promise<void>,
      // a watch's busy: Promise<void> | null) is what Promise.all is for; an array of no promise at all is still reported.
      '@typescript-eslint/await-thenable': ['error', { allowMixedPromiseArrays: true }],
      // Off, with reasons:
      // - an async function without await is how this code turns a synchronous refusal (fail(), deny() throw)
      //   into a rejection and meets Promise-returning signatures (command callbacks, Apollo plugin hooks,
      //   MikroORM migrations); dropping `async` there would change how errors travel.
      '@typescript-eslint/require-await': 'off',
      // - MikroORM's `& Opt` brand on defaulted enum columns (`role: CollaboratorRole & Opt`) hides the enum
      //   from this rule: every report was a comparison with a member of the same enum.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      // - the sanitizers match control characters on purpose (validate, html, file names, mail headers);
      //   the rule reported only those.
      'no-control-regex': 'off',
      'deskql/import-cycles': ['error', { typeOnlyBetween: String.raw`\.entity\.ts$` }],
      'import-x/no-restricted-paths': ['error', {
        zones: [
          {
            target: './src/common',
            from: ['./src/modules', './src/server', './src/db'],
            message: 'src/common is the bottom layer: it declares what it needs and the modules fill it in (DESIGN.md).',
          },
          {
            target: './src/modules',
            from: './src/server',
            message: 'src/server assembles the modules; a module never reaches up into it.',
          },
        ],
      }],
    },
  },

  {
    files: ['test/**/*.ts'],
    rules: {
      // vitest's asymmetric matchers (expect.any, objectContaining, anything) are typed any and
      // sit inside expected objects; the tests' own values are typed (no-explicit-any stays on).
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },

  // ---------------------------------------------------------------- plain JS
  {
    files: ['**/*.mjs', '**/*.js'],
    rules: { ...eslintRecommended, 'no-unused-vars': unusedVars },
  },
  {
    files: ['eslint.config.mjs', 'lint/**/*.mjs'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ['src/server/console/app/**/*.js'],
    languageOptions: { sourceType: 'module', globals: browserGlobals },
    rules: { 'import-x/no-cycle': 'error' },
  },
  {
    files: ['src/server/graphiql/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...browserGlobals, React: 'readonly', ReactDOM: 'readonly', GraphiQL: 'readonly', graphqlWs: 'readonly' } },
  },
);
