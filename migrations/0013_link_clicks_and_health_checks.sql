CREATE TABLE "click_window" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"visitor" text NOT NULL,
	"link_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"counted_hour" timestamp with time zone,
	"scanner" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "link_clicks" (
	"edition_id" uuid NOT NULL,
	"link_id" uuid NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"clicks" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "link_clicks_edition_id_link_id_hour_pk" PRIMARY KEY("edition_id","link_id","hour")
);
--> statement-breakpoint
CREATE TABLE "link_health_checks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"link_id" uuid NOT NULL,
	"url" text NOT NULL,
	"ok" boolean,
	"reason" text,
	"started_at" timestamp with time zone NOT NULL,
	"checked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "link_clicks" ADD CONSTRAINT "link_clicks_edition_id_editions_id_fk" FOREIGN KEY ("edition_id") REFERENCES "public"."editions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_clicks" ADD CONSTRAINT "link_clicks_link_id_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_health_checks" ADD CONSTRAINT "link_health_checks_link_id_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "click_window_visitor_idx" ON "click_window" USING btree ("visitor");--> statement-breakpoint
CREATE INDEX "click_window_at_idx" ON "click_window" USING btree ("at");--> statement-breakpoint
CREATE INDEX "link_clicks_link_id_idx" ON "link_clicks" USING btree ("link_id");--> statement-breakpoint
CREATE INDEX "link_health_checks_link_idx" ON "link_health_checks" USING btree ("link_id","checked_at");--> statement-breakpoint
CREATE INDEX "link_health_checks_started_at_idx" ON "link_health_checks" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "link_health_checks_failed_idx" ON "link_health_checks" USING btree ("link_id") WHERE "link_health_checks"."ok" = false;