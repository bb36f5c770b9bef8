// ESLint: `npm run lint` (part of `npm test`). Besides the usual rules it enforces the layout of lib/
// (see CONTRIBUTING.md): imports go one way only,
//
//   core/  <-  helm/, tenancy/  <-  operator/  <-  jobs/  <-  addons/<name>/
//
// so a folder may import from the folders to its left and never from those to its right, and an
// add-on never imports another add-on.
'use strict';
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

/** The lib/ folders, each with the folders it must not import from. */
const LAYERS = {
  core: ['helm', 'tenancy', 'operator', 'jobs', 'addons'],
  helm: ['tenancy', 'operator', 'jobs', 'addons'],
  tenancy: ['helm', 'operator', 'jobs', 'addons'],
  operator: ['jobs', 'addons'],
  jobs: ['addons'],
};

const layerRule = (forbidden, message) => ['error', {
  patterns: [{
    // Relative imports that climb into a forbidden folder, e.g. '../jobs/spark-job' from lib/operator/.
    regex: `^(\\.\\./)+(${forbidden.join('|')})(/|$)`,
    message,
  }],
}];

module.exports = tseslint.config(
  {
    ignores: ['node_modules/', 'build/', 'dist/', 'imports/', 'lib/core/validators/*.js', 'coverage/', '.cdk8s.out/', 'examples/*/dist/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', __filename: 'readonly', Buffer: 'readonly', URL: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      // Tests and schema-shaped data use `any` on purpose; the compiler's strict mode guards the rest.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'prefer-const': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['lib/**/*.ts'],
    rules: {
      // Props defaults: `props.x || 'default'` would replace a deliberate 0, false or "".
      'no-restricted-syntax': ['error', {
        selector: "LogicalExpression[operator='||'] > .right[type=/Literal|ObjectExpression|ArrayExpression/]",
        message: 'use ?? for defaults: || replaces 0, false and "" too',
      }],
    },
  },
  {
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...Object.entries(LAYERS).map(([layer, forbidden]) => ({
    files: [`lib/${layer}/**/*.ts`],
    rules: { 'no-restricted-imports': layerRule(forbidden, `lib/${layer}/ must not import from lib/${forbidden.join('/, lib/')}/: imports go core <- helm, tenancy <- operator <- jobs <- addons (see CONTRIBUTING.md)`) },
  })),
  {
    // An add-on sits at lib/addons/<name>/: '../<other>' is another add-on.
    files: ['lib/addons/*/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '^\\.\\./(?!\\.\\.)[^/]+',
          message: 'an add-on must not import another add-on: move what both need into jobs/, operator/, tenancy/, helm/ or core/ (see CONTRIBUTING.md)',
        }],
      }],
    },
  },
);
