-- Searches match prefixes ("orchestrat" finds "orchestration", "htm" finds "htmx"): a prefix of a
-- word is often not a prefix of its French or English stem ("orchestration" stems to "orchestr"),
-- so the search vector also keeps the words of the title, the commentary and the description as
-- they are written, accents and case folded (veille_simple of 0002_search.sql). The generated
-- column (db/schema.ts: links.search) is computed again from the new function, and its GIN index
-- rebuilt: dropping the column drops the index.
ALTER TABLE links DROP COLUMN search;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION links_search_vector(title text, commentary text, description text, site_name text, via text, url text, tags text[])
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT
    setweight(to_tsvector('veille_fr', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('veille_en', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('veille_simple', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('veille_simple', array_to_string(tags, ' ')), 'A') ||
    setweight(to_tsvector('veille_fr', coalesce(commentary, '')), 'B') ||
    setweight(to_tsvector('veille_en', coalesce(commentary, '')), 'B') ||
    setweight(to_tsvector('veille_simple', coalesce(commentary, '')), 'B') ||
    setweight(to_tsvector('veille_fr', coalesce(description, '')), 'C') ||
    setweight(to_tsvector('veille_simple', coalesce(description, '')), 'C') ||
    setweight(to_tsvector('veille_simple', coalesce(site_name, '') || ' ' || coalesce(via, '') || ' ' || coalesce(url, '')), 'D')
$$;
--> statement-breakpoint
ALTER TABLE links ADD COLUMN search tsvector GENERATED ALWAYS AS (links_search_vector(title, commentary, description, site_name, via, url, tags)) STORED;
--> statement-breakpoint
CREATE INDEX links_search_idx ON links USING gin (search);
