// What the public site shows changes rarely, and PostgreSQL says when it does: triggers notify a
// channel when a published edition (or one of its links), a category or a setting changes, and
// each web process keeps its rendered pages until such a notice (db/public-changes.ts), so that no
// reader's request asks the database whether a page is still valid.
export type { ChangeFeed, PublicChange } from '../../../db/public-changes.ts';
