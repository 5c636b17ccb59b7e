// Data the benchmarks share, inserted in bulk.
import type pg from 'pg';
import { sql } from '../helpers/sql.ts';

/** `count` published monthly editions from 2014-06 on, each with `linksPerEdition` commented links spread over `categoryIds`. */
export async function seedPublishedEditions(pool: pg.Pool, options: { count: number; linksPerEdition: number; categoryIds: string[] }): Promise<void> {
  const { count, linksPerEdition, categoryIds } = options;
  await pool.query(sql`
    INSERT INTO editions (period, title, slug, status, published_at, intro, tags)
    SELECT to_char(d, 'YYYY-MM'), 'Web, Ops & Data - ' || to_char(d, 'YYYY-MM'), 'web-ops-data-' || to_char(d, 'YYYY-MM'), 'published', d + interval '27 days',
           'Cette édition et les précédentes sont également disponibles par email.', ARRAY['docker', 'postgres', 'caddy']
    FROM generate_series('2014-06-01'::date, '2014-06-01'::date + interval '1 month' * ${count - 1}, interval '1 month') AS d`);
  await pool.query(sql`
    INSERT INTO links (url, normalized_url, title, commentary, commentary_html, category_id, edition_id, position, fetch_status)
    SELECT 'https://links.example/' || e.period || '/' || i, 'https://links.example/' || e.period || '/' || i,
           'Un article intéressant numéro ' || i,
           'Une revue détaillée de ce que la version apporte, avec des exemples et des conseils pratiques pour la production.',
           'Une revue détaillée de ce que la version apporte, avec des exemples et des conseils pratiques pour la production.',
           (${categoryIds}::uuid[])[1 + i % ${categoryIds.length}], e.id, i, 'ok'
    FROM editions e, generate_series(1, ${linksPerEdition}) AS i`);
}

/**
 * A long link history: `total` links, the first `inbox` of them in the inbox and the others spread
 * over `editions` published monthly editions from 2016-01 on, with titles and commentaries made of
 * `words` (so that a search for one of them matches a twentieth of the links), over `categoryIds`.
 */
export async function seedLinkHistory(
  pool: pg.Pool,
  options: { total: number; editions: number; inbox: number; categoryIds: string[]; ownerId: string; words: string[] },
): Promise<void> {
  const { total, editions, inbox, categoryIds, ownerId, words } = options;
  const count = words.length;
  await pool.query(sql`
    INSERT INTO editions (period, title, slug, status, published_at, intro)
    SELECT to_char(d, 'YYYY-MM'), 'Web, Ops & Data - ' || to_char(d, 'YYYY-MM'), 'edition-' || to_char(d, 'YYYY-MM'), 'published', d + interval '27 days', 'Intro'
    FROM generate_series('2016-01-01'::date, '2016-01-01'::date + interval '1 month' * ${editions - 1}, interval '1 month') AS d`);
  await pool.query(sql`
    INSERT INTO links (url, normalized_url, title, commentary, commentary_html, category_id, edition_id, position, fetch_status, created_by, created_at)
    SELECT 'https://site' || (i % 5000) || '.example/article/' || i,
           'https://site' || (i % 5000) || '.example/article/' || i,
           initcap((${words}::text[])[1 + i % ${count}]) || ' et ' || (${words}::text[])[1 + (i / ${count}) % ${count}] || ' : article ' || i,
           'Un article sur ' || (${words}::text[])[1 + (i / 7) % ${count}] || ' avec des données et des exemples, numéro ' || i || '.',
           'Un article sur ' || (${words}::text[])[1 + (i / 7) % ${count}] || ' avec des données et des exemples, numéro ' || i || '.',
           (${categoryIds}::uuid[])[1 + i % ${categoryIds.length}],
           CASE WHEN i <= ${inbox} THEN NULL ELSE (SELECT id FROM editions ORDER BY period OFFSET (i % ${editions}) LIMIT 1) END,
           i, 'ok', ${ownerId}, now() - (i || ' minutes')::interval
    FROM generate_series(1, ${total}) AS i`);
  await pool.query(sql`ANALYZE`);
}
