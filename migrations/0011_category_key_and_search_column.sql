-- The one key a category is known by (db/schema.ts: categories.name_key): its name with accents
-- and case folded and whitespace collapsed, so that "donnees" from the API, "Données" from the
-- admin and "DONNÉES " from an imported file are one category. unaccent() is only STABLE (its
-- dictionary could change under it): this wrapper names the dictionary explicitly and is declared
-- IMMUTABLE, so that a generated column and its unique index may use it. Every name is qualified:
-- index expressions are also evaluated with an empty search_path (pg_dump, autovacuum).
CREATE FUNCTION category_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT pg_catalog.btrim(pg_catalog.regexp_replace(
    pg_catalog.lower(public.unaccent('public.unaccent'::regdictionary, pg_catalog.normalize(name, 'NFKC'))),
    '[\s\u00a0\u202f]+', ' ', 'g'))
$$;
--> statement-breakpoint
-- Categories that were two under the old key, lower(name), and are one under the new key
-- ("Données" beside "donnees") are merged before the new unique index is built: the first one in
-- the order the categories page shows them is kept, the links and the editions' section orders of
-- the others move to it, and it stays active if any of them was.
CREATE TEMPORARY VIEW category_merges AS
  SELECT merged.id, merged.keep_id, merged.archived_at
  FROM (
    SELECT id, archived_at, first_value(id) OVER (PARTITION BY category_key(name) ORDER BY position, created_at, id) AS keep_id
    FROM categories
  ) AS merged
  WHERE merged.id <> merged.keep_id;
--> statement-breakpoint
UPDATE links SET category_id = category_merges.keep_id FROM category_merges WHERE links.category_id = category_merges.id;
--> statement-breakpoint
UPDATE editions SET
  category_order = (
    SELECT coalesce(array_agg(ordered.id ORDER BY ordered.first_at), '{}')
    FROM (
      SELECT coalesce(category_merges.keep_id, listed.id) AS id, min(listed.at) AS first_at
      FROM unnest(editions.category_order) WITH ORDINALITY AS listed(id, at)
      LEFT JOIN category_merges ON category_merges.id = listed.id
      GROUP BY 1
    ) AS ordered
  ),
  updated_at = now()
WHERE editions.category_order && ARRAY(SELECT id FROM category_merges);
--> statement-breakpoint
UPDATE categories SET archived_at = NULL
WHERE archived_at IS NOT NULL AND id IN (SELECT keep_id FROM category_merges WHERE archived_at IS NULL);
--> statement-breakpoint
DELETE FROM categories WHERE id IN (SELECT id FROM category_merges);
--> statement-breakpoint
DROP VIEW category_merges;
--> statement-breakpoint
-- The search vector becomes a generated column (db/schema.ts: links.search), computed by the
-- IMMUTABLE links_search_vector() of 0002_search.sql: the trigger that filled it goes.
DROP TRIGGER links_search_update ON links;
--> statement-breakpoint
DROP FUNCTION links_search_trigger();
