import { en } from './en.ts';
import { fr } from './fr.ts';
import type { Locale, Words } from './words.ts';

export type { LinkPurpose, Locale, Words } from './words.ts';
export { frenchSpacing, typeset } from './typography.ts';

const DICTIONARIES: Record<Locale, Words> = { fr, en };

/** The reader-facing words of a locale. */
export function wordsFor(locale: Locale): Words {
  return DICTIONARIES[locale];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * A date (and time, if the options ask for it) as a language writes it: Intl's formatting, with
 * the French ordinal of the first day of a month ("1er décembre 2026").
 */
export function formatCalendarDate(date: Date, intlLocale: string, options: Intl.DateTimeFormatOptions): string {
  const key = `${intlLocale}|${JSON.stringify(options)}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(intlLocale, options);
    formatters.set(key, formatter);
  }
  if (!intlLocale.startsWith('fr')) return formatter.format(date);
  return formatter
    .formatToParts(date)
    .map((part) => (part.type === 'day' && part.value === '1' ? '1er' : part.value))
    .join('');
}

/** A date as readers of that locale write it ("30 juin 2024", "1er décembre 2026", "June 30, 2024"), in the newsletter's time zone. */
export function formatDate(date: Date, locale: Locale, timeZone: string): string {
  return formatCalendarDate(date, wordsFor(locale).intlLocale, { dateStyle: 'long', timeZone });
}
