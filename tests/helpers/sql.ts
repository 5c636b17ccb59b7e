import type { QueryConfig } from 'pg';

/**
 * A parameterised query for node-postgres from a template literal: the interpolated values become
 * $1, $2... Tests and benchmarks seed and inspect tables with it, without going through drizzle
 * (only db/ speaks drizzle).
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): QueryConfig {
  return { text: strings.reduce((text, part, index) => `${text}$${index}${part}`), values };
}
