// French typography for the words Veille writes itself (dictionaries, dates): a space before a
// high punctuation mark or inside guillemets never breaks a line. A no-break space (U+00A0) before
// the colon and inside « », a narrow one (U+202F) before ; ! ?, as the Imprimerie nationale's
// rules have it. Only spaces that are there are made fast: "http://" stays as it is.

const NO_BREAK = '\u00a0';
const NARROW_NO_BREAK = '\u202f';

/** The text with French no-break spaces before : ; ! ? » and after «. */
export function frenchSpacing(text: string): string {
  return text
    .replace(/[ \u00a0\u202f]+([;!?])/g, `${NARROW_NO_BREAK}$1`)
    .replace(/[ \u00a0\u202f]+([:»])/g, `${NO_BREAK}$1`)
    .replace(/«[ \u00a0\u202f]+/g, `«${NO_BREAK}`);
}

/**
 * A dictionary with `fix` applied to every word it holds: its strings, and what its functions
 * return (a sentence built around a name or a number).
 */
export function typeset<T>(words: T, fix: (text: string) => string): T {
  if (typeof words === 'string') return fix(words) as T;
  if (typeof words === 'function') {
    const build = words as (...args: unknown[]) => unknown;
    return ((...args: unknown[]) => typeset(build(...args), fix)) as T;
  }
  if (words && typeof words === 'object' && !Array.isArray(words)) {
    return Object.fromEntries(Object.entries(words).map(([key, value]) => [key, typeset(value, fix)])) as T;
  }
  return words;
}
