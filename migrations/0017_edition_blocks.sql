CREATE TABLE "edition_paths" (
	"path" text PRIMARY KEY NOT NULL,
	"edition_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "editions" ADD COLUMN "blocks" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
-- Each edition's document as blocks, in the order readers saw it until now: the categories of its
-- category order, then the other categories holding its links (in the categories' order), then
-- its free sections. A listed category without links was shown as a heading alone: it is kept
-- on purpose (keepEmpty), so that no published page changes.
UPDATE editions SET blocks = (
  SELECT coalesce(jsonb_agg(parts.block ORDER BY parts.rank, parts.at), '[]'::jsonb)
  FROM (
    SELECT 1 AS rank, listed.at::double precision AS at,
      jsonb_build_object('kind', 'category', 'categoryId', c.id::text, 'intro', '', 'outro', '',
        'keepEmpty', NOT EXISTS (SELECT 1 FROM links l WHERE l.edition_id = editions.id AND l.category_id = c.id AND l.parent_id IS NULL AND l.deleted_at IS NULL)) AS block
    FROM unnest(editions.category_order) WITH ORDINALITY AS listed(id, at)
    JOIN categories c ON c.id = listed.id
    WHERE listed.at = (SELECT min(again.at) FROM unnest(editions.category_order) WITH ORDINALITY AS again(id, at) WHERE again.id = listed.id)
    UNION ALL
    SELECT 2, c.position, jsonb_build_object('kind', 'category', 'categoryId', c.id::text, 'intro', '', 'outro', '', 'keepEmpty', false)
    FROM categories c
    WHERE NOT (c.id = ANY (editions.category_order))
      AND EXISTS (SELECT 1 FROM links l WHERE l.edition_id = editions.id AND l.category_id = c.id AND l.parent_id IS NULL AND l.deleted_at IS NULL)
    UNION ALL
    SELECT 3, free.at, jsonb_build_object('kind', 'text', 'id', gen_random_uuid()::text, 'heading', coalesce(free.value->>'heading', ''), 'body', coalesce(free.value->>'body', ''))
    FROM jsonb_array_elements(editions.free_sections) WITH ORDINALITY AS free(value, at)
  ) AS parts
);--> statement-breakpoint
ALTER TABLE "edition_paths" ADD CONSTRAINT "edition_paths_edition_id_editions_id_fk" FOREIGN KEY ("edition_id") REFERENCES "public"."editions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "edition_paths_edition_id_idx" ON "edition_paths" USING btree ("edition_id");--> statement-breakpoint
ALTER TABLE "editions" DROP COLUMN "free_sections";--> statement-breakpoint
ALTER TABLE "editions" DROP COLUMN "category_order";