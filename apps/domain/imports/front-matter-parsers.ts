// The parsers of an edition's front matter, loaded by the first import that has some: a worker
// that only sends never carries them.
import type * as tomlModule from 'smol-toml';
import type * as yamlModule from 'yaml';
import { lazyModule } from '../platform/lazy-module.ts';

/** smol-toml, for Zola and Hugo front matter between "+++" lines. */
export const toml = lazyModule<typeof tomlModule>('smol-toml');
/** yaml, for Jekyll and Hugo front matter between "---" lines. */
export const yaml = lazyModule<typeof yamlModule>('yaml');
