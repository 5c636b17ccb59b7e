import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A package loaded the first time it is used instead of when the process starts: for what only
 * some requests or jobs need (password hashing, archives, CSV, code highlighting), so that a
 * process that never uses it (a worker sending a list) does not carry its code in memory.
 */
export function lazyModule<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(specifier) as T);
}
