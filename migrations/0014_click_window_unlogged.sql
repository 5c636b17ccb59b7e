-- The click window (db/schema.ts: click_window) holds, for a minute, a keyed hash of the address
-- of whoever followed a link of an email. UNLOGGED keeps it out of the write-ahead log, so it never
-- reaches a replica or a WAL archive, and PostgreSQL empties it after a crash: it is only worth
-- anything for a minute anyway.
ALTER TABLE "click_window" SET UNLOGGED;
