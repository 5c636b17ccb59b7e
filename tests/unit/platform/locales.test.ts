import assert from 'node:assert/strict';
import { test } from 'node:test';
import { en } from '../../../apps/domain/platform/locales/en.ts';
import { fr } from '../../../apps/domain/platform/locales/fr.ts';
import { formatDate, frenchSpacing, wordsFor } from '../../../apps/domain/platform/locales/index.ts';
import { periodLabel, renderTitleTemplate } from '../../../apps/domain/editions/periods.ts';
import { confirmationEmail, welcomeEmail } from '../../../apps/domain/subscribers/subscriber-emails.ts';

/** Every key of a dictionary, nested ones as paths. */
function keys(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, inner]) =>
    inner && typeof inner === 'object' ? keys(inner as object, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

test('both dictionaries have the same words, and each says them in its own language', () => {
  assert.deepEqual(keys(fr).sort(), keys(en).sort());
  assert.equal(wordsFor('fr'), fr);
  assert.equal(wordsFor('en'), en);
  assert.equal(fr.edition.miscellaneous, 'Divers');
  assert.equal(en.edition.miscellaneous, 'Miscellaneous');
  assert.equal(
    fr.subscription.consent('Veille'),
    'Recevez chaque édition de Veille par email. Un email de confirmation vous sera envoyé\u202f; désinscription en un clic.',
  );
  assert.equal(en.subscription.tooManyRequests(1), 'Too many subscription requests. Try again in 1 minute.');
  assert.equal(fr.subscription.tooManyRequests(5), 'Trop de demandes d’abonnement. Réessayez dans 5 minutes.');
});

test('periods and dates read in the newsletter’s language', () => {
  assert.equal(periodLabel('2024-06', 'fr'), 'Juin 2024');
  assert.equal(periodLabel('2024-W07', 'fr'), 'Semaine 7 2024');
  assert.equal(periodLabel('2024-W07', 'en'), 'Week 7, 2024');
  assert.equal(renderTitleTemplate('{name} - {month} {year}', '2024-02', 'fr'), '{name} - février 2024');
  assert.equal(formatDate(new Date('2024-06-30T12:00:00Z'), 'fr', 'Europe/Paris'), '30 juin 2024');
  assert.equal(formatDate(new Date('2024-06-30T12:00:00Z'), 'en', 'Europe/Paris'), 'June 30, 2024');
  // French writes the first of the month as an ordinal.
  assert.equal(formatDate(new Date('2026-12-01T12:00:00Z'), 'fr', 'Europe/Paris'), '1er décembre 2026');
  assert.equal(formatDate(new Date('2026-12-11T12:00:00Z'), 'fr', 'Europe/Paris'), '11 décembre 2026');
  assert.equal(formatDate(new Date('2026-12-01T12:00:00Z'), 'en', 'Europe/Paris'), 'December 1, 2026');
});

test('French text keeps its high punctuation on the line of the word before it', () => {
  assert.equal(frenchSpacing('Aperçu : pas publiée ; vraiment ! Sûr ?'), 'Aperçu\u00a0: pas publiée\u202f; vraiment\u202f! Sûr\u202f?');
  assert.equal(frenchSpacing('« Veille »'), '«\u00a0Veille\u00a0»');
  // Only a space that is there is made fast: an address keeps its colon.
  assert.equal(frenchSpacing('https://veille.example'), 'https://veille.example');
  // Every word of the dictionary is typeset, sentences built from a name included.
  assert.match(fr.site.draftPreview, /Aperçu\u00a0:/);
  assert.equal(fr.site.resultsFor('htmx'), 'Résultats pour «\u00a0htmx\u00a0»');
  assert.doesNotMatch(JSON.stringify(en), /\u202f|\u00a0/);
});

test('the subscription emails come from their templates, escaped, in both parts', () => {
  const settings = { locale: 'fr' as const, newsletterName: 'Web & <Data>', senderName: '', senderEmail: '' };
  const link = 'https://veille.example/subscribe/confirm?token=abc.def.123&x=<1>';
  const email = confirmationEmail({ settings, to: 'reader@example.org', link });
  assert.equal(email.subject, 'Confirmez votre abonnement à Web & <Data>');
  assert.equal(email.from, undefined, 'no sender in the settings: the mailer’s own');
  assert.ok(email.html!.includes('Web &amp; &lt;Data&gt;'), 'the name is escaped by the template');
  assert.ok(!email.html!.includes('<Data>'));
  assert.ok(email.html!.includes('href="https://veille.example/subscribe/confirm?token=abc.def.123&amp;x=&lt;1&gt;"'));
  assert.match(email.html!, /<a class="button" href="[^"]+" style="[^"]*background-color/, 'styles are inlined');
  assert.ok(email.text.includes('Pour recevoir Web & <Data> par email'), 'the text part reads as text');
  assert.equal(email.text.split(link).length - 1, 1, 'the link once in the text part');
  assert.doesNotMatch(email.text, /<a |<p/);

  const welcome = welcomeEmail({
    settings: { ...settings, locale: 'en', senderEmail: 'news@veille.example' },
    to: 'reader@example.org',
    archiveUrl: 'https://veille.example/archive',
    unsubscribeUrl: 'https://veille.example/unsubscribe?token=t',
  });
  assert.equal(welcome.subject, 'Welcome to Web & <Data>');
  assert.deepEqual(welcome.from, { name: 'Web & <Data>', address: 'news@veille.example' });
  assert.match(welcome.text, /To unsubscribe: https:\/\/veille\.example\/unsubscribe\?token=t/);
  assert.deepEqual(welcome.headers, {
    'List-Unsubscribe': '<https://veille.example/unsubscribe?token=t>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  });
});
