// The shape of a locale's dictionary: every word a reader sees (the public site, the emails, the
// names the services give things) in one typed object per language, in fr.ts and en.ts beside this
// file. French is typeset once, where its dictionary is made (typography.ts). The admin's own
// words, in the language each editor chose, are in apps/web/admin-locales/.

/** The languages a newsletter can be written in. */
export type Locale = 'fr' | 'en';

/** Why a link from an email no longer works, by what it was for. */
export type LinkPurpose = 'confirm' | 'unsubscribe' | 'resubscribe';

/** The words of one language. */
export type Words = {
  /** The language tag Intl formats dates with. */
  intlLocale: string;
  /** The Open Graph locale of the public pages. */
  ogLocale: string;
  /** The public site's pages. */
  site: {
    archive: string;
    allEditions: string;
    latest: string;
    previous: string;
    next: string;
    page: string;
    search: string;
    searchPlaceholder: string;
    /** The search page's title: 'Results for “htmx”'. */
    resultsFor: (query: string) => string;
    noResults: string;
    tag: string;
    tags: string;
    editionsTagged: string;
    publishedOn: string;
    correctedOn: string;
    noEdition: string;
    noEditionText: string;
    notFound: string;
    notFoundText: string;
    feeds: string;
    year: string;
    editions: string;
    edition: string;
    readEdition: string;
    matchingLinks: string;
    draftPreview: string;
    skip: string;
    subscribe: string;
    subscribeTitle: string;
    emailLabel: string;
    checkInbox: string;
    checkInboxText: string;
    confirmTitle: string;
    confirmText: string;
    confirmButton: string;
    confirmedTitle: string;
    confirmedText: string;
    alreadyConfirmedTitle: string;
    alreadyConfirmedText: string;
    unsubscribeTitle: string;
    unsubscribeText: string;
    unsubscribeButton: string;
    unsubscribedTitle: string;
    unsubscribedText: string;
    unsubscribedLaterText: string;
    resubscribeButton: string;
    resubscribedTitle: string;
    linkInvalid: string;
    /** The bad unsubscribe link's page: unsubscribing by address instead. */
    unsubscribeByEmailTitle: string;
    unsubscribeByEmailText: string;
    unsubscribeByEmailButton: string;
    unsubscribeRequestedTitle: string;
    unsubscribeRequestedText: string;
    badRequest: string;
    badRequestText: string;
    invalidCharactersText: string;
    forbidden: string;
    crossSiteText: string;
    tooManyRequests: string;
    tooManyRequestsText: string;
    serverError: string;
    serverErrorText: string;
    backHome: string;
  };
  /** What an edition calls its parts. */
  edition: {
    /** The section of links that have no category. */
    miscellaneous: string;
    /** The heading of a text section just added, until the editor names it. */
    newSection: string;
    /** A weekly period's label: "Week 7, 2024". */
    week: (week: number, year: number) => string;
    /** Beside a link whose page is gone: the Internet Archive's copy of it. */
    archivedCopy: string;
    /** The same link's tooltip, with the edition's date. */
    archivedCopyTitle: (date: string) => string;
  };
  /** The edition's email around its content. */
  editionEmail: { viewInBrowser: string; unsubscribe: string; archive: string };
  /** Subscribing: the consent shown and kept, the emails, the refusals a reader may meet. */
  subscription: {
    consent: (newsletter: string) => string;
    confirmSubject: (newsletter: string) => string;
    confirmGreeting: string;
    confirmAsk: (newsletter: string) => string;
    confirmButton: string;
    confirmIgnore: string;
    welcomeSubject: (newsletter: string) => string;
    welcomeText: (newsletter: string) => string;
    welcomeArchive: string;
    welcomeUnsubscribe: string;
    tooManyRequests: (minutes: number) => string;
    invalidEmail: string;
    invalidLink: Record<LinkPurpose, string>;
    /** The email that carries an unsubscribe link to whoever asked for one by address. */
    unsubscribeSubject: (newsletter: string) => string;
    unsubscribeAsk: (newsletter: string) => string;
    unsubscribeButton: string;
    unsubscribeIgnore: string;
  };
};
