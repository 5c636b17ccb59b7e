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
