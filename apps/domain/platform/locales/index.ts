import { en } from './en.ts';
import { fr } from './fr.ts';
import type { Locale, Words } from './words.ts';

export type { LinkPurpose, Locale, Words } from './words.ts';

const DICTIONARIES: Record<Locale, Words> = { fr, en };

/** The reader-facing words of a locale. */
export function wordsFor(locale: Locale): Words {
  return DICTIONARIES[locale];
}

/** A date as readers of that locale write it ("30 juin 2024", "June 30, 2024"), in the newsletter's time zone. */
export function formatDate(date: Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(wordsFor(locale).intlLocale, { dateStyle: 'long', timeZone }).format(date);
}
