DROP INDEX "categories_name_key";--> statement-breakpoint
ALTER TABLE "links" drop column "search";--> statement-breakpoint
ALTER TABLE "links" ADD COLUMN "search" "tsvector" GENERATED ALWAYS AS (links_search_vector("links"."title", "links"."commentary", "links"."description", "links"."site_name", "links"."via", "links"."url", "links"."tags")) STORED;--> statement-breakpoint
ALTER TABLE "categories" ADD COLUMN "name_key" text GENERATED ALWAYS AS (category_key("categories"."name")) STORED NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "categories_name_key" ON "categories" USING btree ("name_key");--> statement-breakpoint
-- Dropping the column above dropped its index with it.
CREATE INDEX "links_search_idx" ON "links" USING gin ("search");
