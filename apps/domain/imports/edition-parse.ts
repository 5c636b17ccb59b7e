// Entry point of the edition importers: pure parsers that turn an existing newsletter edition
// (a Markdown file of an archive, or the items of an RSS/Atom feed) into a structured document
// for the import to review and save. Neither function throws: bad input gives a failure.
export { parseMarkdownEdition } from './markdown-edition.ts';
export { parseFeed } from './feed-edition.ts';
export type { FeedParseResult, ImportedCategory, ImportedEdition, ImportedLink, ImportOptions, MarkdownParseResult, ParseFailure } from './types.ts';
