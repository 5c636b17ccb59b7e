// What a search box's text asks of PostgreSQL's full-text search, for the inbox, the API and the
// public site alike. Every word is a prefix ("htm" finds htmx, "postgres" finds PostgreSQL) and
// all must match; "quoted words" match as a phrase, -word excludes, `or` gives alternatives. Each
// term is looked up in the three text search configurations of migrations/0002_search.sql
// (French and English stems, and the words themselves), accents folded by all three, so that a
// word typed whole, cut short or without its accents finds the same links.
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';

/** One term of a search: a word or a phrase (as typed, for the configurations' parser to split), or one to exclude. */
export type SearchTerm = { text: string; negated: boolean };

/** A search as alternatives (`or`), each a list of terms that must all match. */
export type SearchTerms = SearchTerm[][];

// Enough for any real search; more only makes the query slower.
const MAX_TERMS = 16;
const MAX_TERM_LENGTH = 100;
const CONFIGURATIONS = ['veille_fr', 'veille_en', 'veille_simple'] as const;

/** Splits a search box's text into terms: words, "phrases", -exclusions, `or` between alternatives. */
export function parseSearch(text: string): SearchTerms {
  const alternatives: SearchTerms = [[]];
  let count = 0;
  for (const match of text.normalize('NFC').matchAll(/(-?)"([^"]*)"?|(\S+)/gu)) {
    const quoted = match[2] !== undefined;
    let raw = quoted ? match[2]! : match[3]!;
    if (!quoted && raw.toLowerCase() === 'or') {
      if (alternatives.at(-1)!.length > 0) alternatives.push([]);
      continue;
    }
    const negated = quoted ? match[1] === '-' : raw.length > 1 && raw.startsWith('-');
    if (negated && !quoted) raw = raw.slice(1);
    // Only letters, digits and the punctuation words carry (node.js, time-series, l'été, c++) reach
    // the configurations' parser, which splits and folds them as it did the links' text.
    const cleaned = raw
      .replace(/[^\p{L}\p{N}\p{M}\s.\-_/@#+'’]/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, MAX_TERM_LENGTH);
    if (!/[\p{L}\p{N}]/u.test(cleaned)) continue;
    alternatives.at(-1)!.push({ text: cleaned, negated });
    if (++count >= MAX_TERMS) break;
  }
  return alternatives.filter((terms) => terms.length > 0 && terms.some((term) => !term.negated));
}

/** A term as a tsquery lexeme: quoted (so its text is only ever a word), a prefix unless excluded. */
export function termQueryText(term: SearchTerm): string {
  const quoted = `'${term.text.replace(/['’]/g, "''")}'`;
  return term.negated ? quoted : `${quoted}:*`;
}

function termSql(term: SearchTerm): SQL {
  const text = termQueryText(term);
  const each = sql.join(
    CONFIGURATIONS.map((configuration) => sql`to_tsquery(${sql.raw(`'${configuration}'`)}, ${text})`),
    sql` || `,
  );
  return term.negated ? sql`!!(${each})` : sql`(${each})`;
}

/** The tsquery of a search box's text; undefined when it holds no word to look for. */
export function searchTsquery(text: string): SQL | undefined {
  const alternatives = parseSearch(text);
  if (alternatives.length === 0) return undefined;
  return sql`(${sql.join(
    alternatives.map((terms) => sql`(${sql.join(terms.map(termSql), sql` && `)})`),
    sql` || `,
  )})`;
}

/** The same tsquery as SQL text with $1, $2... parameters: what the links benchmark asks PostgreSQL to EXPLAIN. */
export function searchTsqueryText(text: string): { sql: string; params: unknown[] } | undefined {
  const query = searchTsquery(text);
  return query && new PgDialect().sqlToQuery(query);
}
