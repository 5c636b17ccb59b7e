-- The history of each reader (db/schema.ts: subscriber_events). A new subscriber and every change
-- of status is recorded here by the database itself, whatever code path made it (a form, a link of
-- an email, the admin, an import, a bounce), at the time the row says it happened when it says
-- one (an import keeps its readers' original dates), else now. Statement-level triggers with
-- transition tables: an import of 100,000 readers writes their history in one statement.
CREATE FUNCTION subscribers_record_created() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO subscriber_events (subscriber_id, kind, at, detail)
  SELECT id, 'created', created_at, jsonb_build_object('status', status, 'source', source, 'form', consent ->> 'form')
  FROM created_rows;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION subscribers_record_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO subscriber_events (subscriber_id, kind, at, detail)
  SELECT after.id, after.status,
         CASE after.status
           WHEN 'active' THEN coalesce(after.confirmed_at, now())
           WHEN 'unsubscribed' THEN coalesce(after.unsubscribed_at, now())
           WHEN 'bounced' THEN coalesce(after.bounced_at, now())
           ELSE now()
         END,
         jsonb_build_object('from', before.status, 'form', after.consent ->> 'form')
  FROM updated_rows AS after JOIN previous_rows AS before ON before.id = after.id
  WHERE after.status IS DISTINCT FROM before.status;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER subscribers_record_created AFTER INSERT ON subscribers
REFERENCING NEW TABLE AS created_rows FOR EACH STATEMENT EXECUTE FUNCTION subscribers_record_created();
--> statement-breakpoint
CREATE TRIGGER subscribers_record_status AFTER UPDATE ON subscribers
REFERENCING OLD TABLE AS previous_rows NEW TABLE AS updated_rows FOR EACH STATEMENT EXECUTE FUNCTION subscribers_record_status();
--> statement-breakpoint
-- The readers already there: what their row still tells.
INSERT INTO subscriber_events (subscriber_id, kind, at, detail)
SELECT id, 'created', created_at, jsonb_build_object('status', status, 'source', source, 'form', consent ->> 'form') FROM subscribers
UNION ALL
SELECT id, 'active', confirmed_at, NULL FROM subscribers WHERE confirmed_at IS NOT NULL
UNION ALL
SELECT id, 'unsubscribed', unsubscribed_at, NULL FROM subscribers WHERE unsubscribed_at IS NOT NULL
UNION ALL
SELECT id, 'bounced', bounced_at, NULL FROM subscribers WHERE bounced_at IS NOT NULL;
