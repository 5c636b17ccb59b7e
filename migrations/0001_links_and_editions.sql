CREATE TABLE "categories" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"position" double precision NOT NULL,
	"archived_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "editions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"period" text NOT NULL,
	"title" text NOT NULL,
	"slug" text NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"intro" text DEFAULT '' NOT NULL,
	"outro" text DEFAULT '' NOT NULL,
	"free_sections" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"category_order" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"scheduled_at" timestamp with time zone,
	"published_at" timestamp with time zone,
	"corrected_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "editions_status_check" CHECK ("editions"."status" in ('draft', 'scheduled', 'published'))
);
--> statement-breakpoint
CREATE TABLE "links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"url" text NOT NULL,
	"normalized_url" text NOT NULL,
	"title" text,
	"description" text,
	"site_name" text,
	"canonical_url" text,
	"language" text,
	"commentary" text DEFAULT '' NOT NULL,
	"via" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"category_id" uuid,
	"edition_id" uuid,
	"parent_id" uuid,
	"position" double precision NOT NULL,
	"fetch_status" text DEFAULT 'pending' NOT NULL,
	"fetch_error" text,
	"fetched_at" timestamp with time zone,
	"edited_fields" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	"search" "tsvector",
	CONSTRAINT "links_fetch_status_check" CHECK ("links"."fetch_status" in ('pending', 'ok', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_category_id_categories_id_fk" FOREIGN KEY ("category_id") REFERENCES "public"."categories"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_edition_id_editions_id_fk" FOREIGN KEY ("edition_id") REFERENCES "public"."editions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_parent_id_links_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "categories_name_key" ON "categories" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "categories_position_idx" ON "categories" USING btree ("position");--> statement-breakpoint
CREATE UNIQUE INDEX "editions_period_key" ON "editions" USING btree ("period");--> statement-breakpoint
CREATE UNIQUE INDEX "editions_slug_key" ON "editions" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "editions_status_published_idx" ON "editions" USING btree ("status","published_at");--> statement-breakpoint
CREATE INDEX "links_group_position_idx" ON "links" USING btree ("edition_id","category_id","position") WHERE "links"."deleted_at" is null and "links"."parent_id" is null;--> statement-breakpoint
CREATE INDEX "links_parent_idx" ON "links" USING btree ("parent_id","position") WHERE "links"."parent_id" is not null;--> statement-breakpoint
CREATE INDEX "links_normalized_url_idx" ON "links" USING btree ("normalized_url");--> statement-breakpoint
CREATE INDEX "links_created_at_idx" ON "links" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "links_search_idx" ON "links" USING gin ("search");--> statement-breakpoint
CREATE INDEX "links_tags_idx" ON "links" USING gin ("tags");