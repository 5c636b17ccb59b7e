CREATE TABLE "link_checks" (
	"run_id" uuid NOT NULL,
	"edition_id" uuid NOT NULL,
	"link_id" uuid NOT NULL,
	"url" text NOT NULL,
	"ok" boolean,
	"reason" text,
	"started_at" timestamp with time zone NOT NULL,
	"checked_at" timestamp with time zone,
	CONSTRAINT "link_checks_run_id_link_id_pk" PRIMARY KEY("run_id","link_id")
);
--> statement-breakpoint
ALTER TABLE "link_checks" ADD CONSTRAINT "link_checks_edition_id_editions_id_fk" FOREIGN KEY ("edition_id") REFERENCES "public"."editions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_checks" ADD CONSTRAINT "link_checks_link_id_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "link_checks_edition_id_idx" ON "link_checks" USING btree ("edition_id");