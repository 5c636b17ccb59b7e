import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: ['./db/schema.ts', './db/link-stats-schema.ts', './db/import-schema.ts'],
  out: './migrations',
});
