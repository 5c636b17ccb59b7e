import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The JSON shape of the reference editions copied in tests/fixtures/samples (from shared/samples).
export type SampleLink = { title: string; url: string; commentary: string; children: SampleLink[] };
export type Sample = {
  title: string;
  period: string;
  tags: string[];
  intro: string;
  categories: Array<{ name: string; links: SampleLink[] }>;
  freeSections: Array<{ heading: string; body: string }>;
  outro: string;
};

const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/samples');

/** The reference editions, by file name: each has a .json (its content) and a .md (its archive file). */
export const SAMPLE_NAMES = ['web-ops-iot-et-time-series-juin-2024', 'web-ops-data-janvier-2018'] as const;

/** The content of a reference edition, from its JSON. */
export function readSample(name: string): Sample {
  return JSON.parse(readFileSync(path.join(SAMPLES, `${name}.json`), 'utf8')) as Sample;
}

/** A reference edition as its published archive wrote it in Markdown. */
export function readSampleMarkdown(name: string): string {
  return readFileSync(path.join(SAMPLES, `${name}.md`), 'utf8');
}
