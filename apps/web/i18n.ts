import type { Locale } from '../domain/edition-types.ts';

// Reader-facing words, in the newsletter's language. The admin is in English.
const STRINGS = {
  fr: {
    archive: 'Archives',
    allEditions: 'Toutes les éditions',
    latest: 'Dernière édition',
    previous: 'Plus récentes',
    next: 'Plus anciennes',
    page: 'Page',
    search: 'Rechercher',
    searchPlaceholder: 'Rechercher dans les archives',
    searchResults: 'Résultats pour',
    noResults: 'Aucune édition ne correspond à cette recherche.',
    tag: 'Tag',
    tags: 'Tags',
    editionsTagged: 'Éditions avec le tag',
    publishedOn: 'Publié le',
    correctedOn: 'Corrigé le',
    noEdition: 'Pas encore d’édition',
    noEditionText: 'La première édition est en préparation. Revenez bientôt.',
    notFound: 'Page introuvable',
    notFoundText: 'Il n’y a rien à cette adresse. Les éditions publiées sont dans les archives.',
    feeds: 'Flux',
    year: 'Année',
    editions: 'éditions',
    edition: 'édition',
    readEdition: 'Lire l’édition',
    matchingLinks: 'Liens correspondants',
    draftPreview: 'Aperçu : cette édition n’est pas publiée.',
    skip: 'Aller au contenu',
  },
  en: {
    archive: 'Archive',
    allEditions: 'All editions',
    latest: 'Latest edition',
    previous: 'Newer',
    next: 'Older',
    page: 'Page',
    search: 'Search',
    searchPlaceholder: 'Search the archive',
    searchResults: 'Results for',
    noResults: 'No edition matches this search.',
    tag: 'Tag',
    tags: 'Tags',
    editionsTagged: 'Editions tagged',
    publishedOn: 'Published on',
    correctedOn: 'Corrected on',
    noEdition: 'No edition yet',
    noEditionText: 'The first edition is being prepared. Come back soon.',
    notFound: 'Page not found',
    notFoundText: 'There is nothing at this address. Published editions are in the archive.',
    feeds: 'Feeds',
    year: 'Year',
    editions: 'editions',
    edition: 'edition',
    readEdition: 'Read the edition',
    matchingLinks: 'Matching links',
    draftPreview: 'Preview: this edition is not published.',
    skip: 'Skip to content',
  },
} as const;

export type Strings = Record<keyof (typeof STRINGS)['en'], string>;

/** The reader-facing words of a locale. */
export function strings(locale: Locale): Strings {
  return STRINGS[locale];
}

/** A date as readers of that locale write it ("30 juin 2024", "June 30, 2024"), in the newsletter's time zone. */
export function formatDate(date: Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-US', { dateStyle: 'long', timeZone }).format(date);
}
