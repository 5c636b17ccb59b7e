// The emails' bodies are eta templates in views/email/, escaped by the engine like the pages are.
// A short message (confirmation, welcome, invitation) is a small HTML document whose styles juice
// inlines; its plain-text part is derived from that HTML, so both always say the same.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import { convert, type HtmlToTextOptions } from 'html-to-text';
import juice from 'juice';

const EMAIL_VIEWS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../views/email');

// Compiled once per process: an edition is rendered once per send, confirmations one by one.
const eta = new Eta({ views: EMAIL_VIEWS, cache: true, autoEscape: true, autoTrim: false });

/** Renders a template of views/email ("edition", "confirmation"...) with its data. */
export function renderEmailTemplate(name: string, data: object): string {
  return eta.render(`./${name}`, data);
}

const MESSAGE_TEXT: HtmlToTextOptions = {
  wordwrap: 78,
  selectors: [
    { selector: 'head', format: 'skip' },
    // The button's address is written out on the next line: the text part shows it once.
    { selector: 'a.button', format: 'skip' },
    { selector: 'a', options: { linkBrackets: ['[', ']'], hideLinkHrefIfSameAsText: true } },
  ],
};

/** A short message's HTML (styles inlined) and plain-text parts, from its template. */
export function renderMessage(name: string, data: object): { html: string; text: string } {
  const html = juice(renderEmailTemplate(name, data));
  const text = `${convert(html, MESSAGE_TEXT)
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
  return { html, text };
}
