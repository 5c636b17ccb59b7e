-- Each web process keeps the public pages rendered in memory and LISTENs on veille_public for the
-- changes that make them stale (db/public-changes.ts): a published edition that changes, is
-- published or taken back ("edition:<id>"; its links and the categories it shows move its
-- updated_at through the triggers of 0005_edition_freshness.sql), and any change to the settings
-- or the categories (their names and order are on every edition's page). NOTIFY is sent at
-- commit, so a page is rebuilt from what was committed; identical notices of one transaction are
-- sent once.
CREATE FUNCTION notify_public_edition_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  shown boolean := false;
  edition uuid;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    shown := OLD.status = 'published';
    edition := OLD.id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    shown := shown OR NEW.status = 'published';
    edition := NEW.id;
  END IF;
  IF shown THEN
    PERFORM pg_notify('veille_public', 'edition:' || edition::text);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER editions_notify_public AFTER INSERT OR UPDATE OR DELETE ON editions
FOR EACH ROW EXECUTE FUNCTION notify_public_edition_change();
--> statement-breakpoint
CREATE FUNCTION notify_public_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('veille_public', TG_TABLE_NAME);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER settings_notify_public AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON settings
FOR EACH STATEMENT EXECUTE FUNCTION notify_public_change();
--> statement-breakpoint
CREATE TRIGGER categories_notify_public AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
FOR EACH STATEMENT EXECUTE FUNCTION notify_public_change();
