// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'public/vendor/', 'test-results/', 'migrations/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['public/js/**/*.js'],
    languageOptions: { globals: { Blob: 'readonly', HTMLFormElement: 'readonly', HTMLInputElement: 'readonly', HTMLTextAreaElement: 'readonly', HTMLElement: 'readonly', Element: 'readonly', window: 'readonly', document: 'readonly', htmx: 'readonly', Sortable: 'readonly', navigator: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', localStorage: 'readonly', fetch: 'readonly', FormData: 'readonly', URL: 'readonly', console: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/db/*', '**/db/**', 'drizzle-orm', 'drizzle-orm/*'], message: 'Routes talk to services, never to db/ or drizzle.' }] },
      ],
    },
  },
  {
    // Only the web layer is forbidden from reaching the database directly.
    files: ['apps/bootstrap/**', 'apps/domain/**', 'apps/worker/**', 'apps/cli/**', 'db/**', 'tests/**', 'drizzle.config.ts', 'apps/web/main.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
