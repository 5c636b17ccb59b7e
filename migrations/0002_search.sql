-- Full-text search that folds accents ("donnees" finds "données") and stems French and English.
CREATE EXTENSION IF NOT EXISTS unaccent;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION veille_fr (COPY = pg_catalog.french);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION veille_fr ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION veille_en (COPY = pg_catalog.english);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION veille_en ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION veille_simple (COPY = pg_catalog.simple);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION veille_simple ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
--> statement-breakpoint
CREATE FUNCTION links_search_vector(title text, commentary text, description text, site_name text, via text, url text, tags text[])
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT
    setweight(to_tsvector('veille_fr', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('veille_en', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('veille_simple', array_to_string(tags, ' ')), 'A') ||
    setweight(to_tsvector('veille_fr', coalesce(commentary, '')), 'B') ||
    setweight(to_tsvector('veille_en', coalesce(commentary, '')), 'B') ||
    setweight(to_tsvector('veille_fr', coalesce(description, '')), 'C') ||
    setweight(to_tsvector('veille_simple', coalesce(site_name, '') || ' ' || coalesce(via, '') || ' ' || coalesce(url, '')), 'D')
$$;
--> statement-breakpoint
CREATE FUNCTION links_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search := links_search_vector(NEW.title, NEW.commentary, NEW.description, NEW.site_name, NEW.via, NEW.url, NEW.tags);
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER links_search_update BEFORE INSERT OR UPDATE OF title, commentary, description, site_name, via, url, tags
ON links FOR EACH ROW EXECUTE FUNCTION links_search_trigger();
