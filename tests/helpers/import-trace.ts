// Preloaded with `--import` after tsx: writes the URL of every module the process resolves, one a
// line, to the file VEILLE_IMPORT_TRACE names, so that a test can tell what a process loaded.
import { register } from 'node:module';

const file = process.env.VEILLE_IMPORT_TRACE;
if (file) {
  const hooks = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(${JSON.stringify(file)}, resolved.url + '\\n');
  return resolved;
}`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}

/** The path to give `--import` for the trace. */
export const IMPORT_TRACE = new URL(import.meta.url).pathname;
