-- An edition's updated_at says when anything it shows last changed, so that cached public pages,
-- feeds and ETags are rebuilt after a change to one of its links or to a category's name.
CREATE FUNCTION touch_editions_of_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.edition_id IS NOT NULL THEN
    UPDATE editions SET updated_at = now() WHERE id = OLD.edition_id;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.edition_id IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.edition_id IS DISTINCT FROM OLD.edition_id OR OLD.edition_id IS NULL) THEN
    UPDATE editions SET updated_at = now() WHERE id = NEW.edition_id;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER links_touch_editions AFTER INSERT OR UPDATE OR DELETE ON links
FOR EACH ROW EXECUTE FUNCTION touch_editions_of_link();
--> statement-breakpoint
CREATE FUNCTION touch_editions_of_category() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.name IS DISTINCT FROM OLD.name THEN
    UPDATE editions SET updated_at = now() WHERE id IN (SELECT DISTINCT edition_id FROM links WHERE category_id = NEW.id AND edition_id IS NOT NULL);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER categories_touch_editions AFTER UPDATE ON categories
FOR EACH ROW EXECUTE FUNCTION touch_editions_of_category();
