import { readFileSync } from 'node:fs';

const DIRECTORY = new URL('../fixtures/webhooks/', import.meta.url);

/**
 * A provider's documented example payload (tests/fixtures/webhooks, sources in its README), as text,
 * with each `swaps` key replaced by its value: the documented addresses by the test's readers.
 */
export function webhookFixture(name: string, swaps: Record<string, string> = {}): string {
  let text = readFileSync(new URL(name, DIRECTORY), 'utf8');
  for (const [from, to] of Object.entries(swaps)) {
    if (!text.includes(from)) throw new Error(`${name} has no ${from} to replace`);
    text = text.replaceAll(from, to);
  }
  return text;
}
