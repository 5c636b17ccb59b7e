// The edition's screens in the editor's language (their Account page), whatever the newsletter's
// own language: the editor and its fragments, the publish screen, the previews, the stats, the
// delivery report, their flash messages and refused forms. The published edition and the email
// keep the newsletter's words, the section of the links without a category included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { assertWords, draftWithSections, HX, ok, PERIOD, publicPath } from '../../helpers/edition-language.ts';

test('a French editor on an English newsletter works on an edition in French, up to its delivery report', async (t) => {
  const testApp = await buildTestApp(t);
  const { services } = testApp;
  const { client, caddy } = await draftWithSections(testApp, { locale: 'en', name: 'Weekly Links' });
  assert.equal((await client.postForm('/admin/account/language', { locale: 'fr' })).statusCode, 303);

  const editor = await ok(client, `/admin/editions/${PERIOD}`);
  assertWords(
    editor,
    'the draft in the editor',
    [
      'Titre',
      'Identifiant dans l’adresse',
      'La fin du permalien : /2024/06/…',
      'Étiquettes',
      'Sections, dans l’ordre où les lecteurs les voient',
      'Titre de la section de texte',
      'Texte avant les liens de « Divers »',
      'Montrer « Data » aux lecteurs même sans lien',
      'Mot de la fin',
      'Enregistrer',
      'Toutes les modifications sont enregistrées',
      'Modifications non enregistrées…',
      'Aperçu web et email',
      'Exporter en Markdown',
      'Copier pour Substack',
      'Publier…',
      '2 liens dans 4 sections.',
      'Monter : Divers',
      'Ajouter une section de texte après Divers',
      'Renvoyer dans la boîte de réception : Traefik 3',
      'Sans commentaire',
      'vide : les lecteurs ne voient que son titre',
      'Proposés depuis la boîte de réception',
      'Ajouter les liens cochés',
      'Ajouter le lien',
      'Juin 2024 · Brouillon',
      'Brouillon',
    ],
    [
      'Miscellaneous',
      'Slug',
      'Tags',
      'Closing words',
      'Save',
      'All changes saved',
      'Unsaved changes',
      'Preview web and email',
      'Export Markdown',
      'Copy for Substack',
      'Publish…',
      'links in',
      'Move up',
      'Move down',
      'Add a text section',
      'To inbox',
      'Back to the inbox',
      'No commentary',
      'readers see its heading alone',
      'Proposed from the inbox',
      'Add the selected links',
      'Add all',
      'no category',
      'Text before the links',
      'draft',
    ],
  );
  // The editor's words only: the newsletter's own name for the section stays on its page.
  assert.match(editor, /<template id="substack-html">[\s\S]*Miscellaneous[\s\S]*<\/template>/);

  const sections = await ok(client, `/admin/editions/${PERIOD}/sections`, HX);
  assert.match(sections, /^<div id="edition-sections"/, 'the fragment alone');
  assertWords(sections, 'the sections fragment', ['Divers', 'Supprimer la section Data', '+ texte après'], ['Miscellaneous', 'Remove', 'text after']);

  const linkCheck = await ok(client, `/admin/editions/${PERIOD}/link-check`, HX);
  assertWords(linkCheck, 'the link check panel', ['Les liens n’ont pas encore été vérifiés.', 'Vérifier les liens'], ['have not been checked', 'Check links']);

  // A refused save keeps what was typed and says why in French: the page, and the autosave's state.
  const version = /name="version" id="edition-version" value="(\d+)"/.exec(editor)?.[1];
  assert.ok(version);
  const refused = await client.postForm(`/admin/editions/${PERIOD}`, { version, title: '', slug: 'mon-edition', tags: 'ops', intro: 'Mon intro à garder' });
  assert.equal(refused.statusCode, 422);
  assertWords(refused.body, 'the refused save', ['Le titre est obligatoire.', 'Corrigez les champs signalés.'], ['The title is required', 'Please correct']);
  assert.match(refused.body, /value="mon-edition"/, 'the slug as typed');
  assert.match(refused.body, /Mon intro à garder<\/textarea>/, 'the intro as typed');
  const autosave = await client.postForm(`/admin/editions/${PERIOD}`, { version, slug: 'Pas Bon!' }, HX);
  assert.equal(autosave.statusCode, 422);
  assert.match(autosave.body, /^<div id="save-state"/);
  assert.match(autosave.body, /<strong>Non enregistré\u00a0:<\/strong> Utilisez uniquement des minuscules, des chiffres et des tirets/);
  const saved = await client.postForm(`/admin/editions/${PERIOD}`, { version, title: 'Weekly Links: June' }, HX);
  assert.equal(saved.statusCode, 200);
  assertWords(saved.body, 'the saved state', ['Enregistré le'], ['Saved at', 'UTC']);
  const conflict = await client.postForm(`/admin/editions/${PERIOD}`, { version, title: 'Ancienne version' }, HX);
  assert.equal(conflict.statusCode, 409);
  assertWords(conflict.body, 'a save over someone else’s', ['Non enregistré.', 'Quelqu’un d’autre a enregistré cette édition'], ['Someone else', 'Not saved']);
  assert.equal((await client.postForm(`/admin/editions/${PERIOD}`, { version: String(Number(version) + 1), title: 'Weekly Links: June' })).statusCode, 303);
  assertWords(await ok(client, `/admin/editions/${PERIOD}`), 'the flash after a save', ['Édition enregistrée.'], ['Edition saved']);

  const preflight = await ok(client, `/admin/editions/${PERIOD}/preflight`);
  assertWords(
    preflight,
    'the publish screen',
    [
      'Publier « Weekly Links: June »',
      'Retour à l’éditeur',
      'Avertissements : ils ne bloquent rien, jetez-y un œil',
      '1 lien n’a pas de commentaire : « Traefik 3 »',
      '« Data » n’a aucun lien : les lecteurs ne voient que son titre.',
      'Pour information',
      'Les liens n’ont pas encore été vérifiés.',
      'L’email pèse',
      '1 abonné actif la recevra.',
      'Liens morts',
      'Votre choix',
      'J’ai lu les avertissements',
      'Publier et envoyer à 1 lecteur',
      'Publier cette édition et l’envoyer maintenant à 1 lecteur ?',
      'Publier sur le web seulement',
      'Publier cette édition sur le web seulement ? Personne ne reçoit d’email.',
      'Publier et envoyer le (Europe/Paris)',
      'Programmer',
    ],
    [
      'Warnings',
      'For your information',
      'no commentary',
      'has no links',
      'The email weighs',
      'will receive it',
      'Dead links',
      'Your choice',
      'I have read the warnings',
      'Publish and send',
      'Publish on the web only',
      'Nobody gets an email',
      'Schedule',
      'Back to the editor',
    ],
  );
  // French typography: a no-break space before the colon and the question mark.
  assert.match(preflight, /Avertissements\u00a0: ils ne bloquent rien/);
  assert.match(preflight, /1 lecteur\u202f\?/);
  const checks = await ok(client, `/admin/editions/${PERIOD}/preflight/checks`, HX);
  assertWords(checks, 'the checks fragment', ['Avertissements', '1 abonné actif la recevra.'], ['Warnings', 'will receive it']);

  // Refused choices: warnings not acknowledged, a time in the past (kept as typed).
  const unread = await client.postForm(`/admin/editions/${PERIOD}/preflight`, { choice: 'web' });
  assert.equal(unread.statusCode, 422);
  assertWords(
    unread.body,
    'the warnings not acknowledged',
    ['Cochez « J’ai lu les avertissements » pour continuer', 'Lisez les avertissements, puis cochez cette case.'],
    ['Tick', 'Read the warnings'],
  );
  const past = await client.postForm(`/admin/editions/${PERIOD}/preflight`, { choice: 'schedule', acknowledged: 'yes', scheduledAt: '2020-01-01T10:00' });
  assert.equal(past.statusCode, 422);
  assertWords(past.body, 'a schedule in the past', ['Cette heure est déjà passée'], ['in the past']);
  assert.match(past.body, /value="2020-01-01T10:00"/);

  const previews = await ok(client, `/admin/editions/${PERIOD}/previews`);
  assertWords(previews, 'the previews', ['Aperçu', 'Page web', 'ouvrir', 'Aperçu de la page web', 'Aperçu de l’email'], ['Preview', 'Web page', 'open']);
  // The previews show the newsletter as readers get it: in English, its section of no category named its way.
  assert.match(await ok(client, `/admin/editions/${PERIOD}/preview`), /Miscellaneous/);
  assert.match(await ok(client, `/admin/editions/${PERIOD}/email-preview`), /Miscellaneous/);

  const published = await client.postForm(`/admin/editions/${PERIOD}/preflight`, { choice: 'web', acknowledged: 'yes' });
  assert.equal(published.statusCode, 303);
  const afterPublish = await ok(client, `/admin/editions/${PERIOD}`);
  assertWords(
    afterPublish,
    'the published edition in the editor',
    [
      'Publiée : /2024/06/',
      '(sur le web seulement : aucun email n’a été envoyé).',
      'Publiée le',
      'Statistiques',
      'page publique',
      'Envoyer aux abonnés',
      'Envoyer maintenant cette édition à tous les abonnés actifs ?',
      'Dépublier',
      'Retirer cette édition du site public ?',
      '1 abonné actif la recevra.',
      'M’envoyer un test (nicolas@example.org)',
      'Copié',
    ],
    ['Published', 'Send to subscribers', 'Unpublish', 'public page', 'Stats', 'Send a test', 'will receive it', 'Copied'],
  );
  const path = publicPath(afterPublish);
  assert.match(await ok(client, path), /Miscellaneous/, 'the public edition keeps the newsletter’s word');

  assert.equal((await client.postForm(`/admin/editions/${PERIOD}/test-email`)).statusCode, 303);
  assertWords(
    await ok(client, `/admin/editions/${PERIOD}`),
    'the test email’s flash',
    ['Un email de test a été envoyé à nicolas@example.org.'],
    ['A test email'],
  );

  // Sending twice is refused in French, above the publishing panel.
  assert.equal((await client.postForm(`/admin/editions/${PERIOD}/send`)).statusCode, 303);
  const twice = await client.postForm(`/admin/editions/${PERIOD}/send`);
  assert.equal(twice.statusCode, 409);
  assertWords(twice.body, 'a second send', ['Cette édition a déjà été envoyée (ou est en cours d’envoi).'], ['already been sent']);

  const sending = await ok(client, `/admin/editions/${PERIOD}/delivery`);
  assertWords(
    sending,
    'the delivery while sending',
    [
      'Envoi de Weekly Links: June',
      'Envoi en cours',
      '0 envoyé ·',
      '0 échec',
      '0 ignoré',
      '1 restant sur 1',
      'Avancement de l’envoi',
      'Mettre en pause',
      '0 rebond (0 %)',
      'Abonné',
      'Tentatives',
      'Réponse SMTP',
      'en attente',
    ],
    [
      'Delivery',
      'sending',
      'failed',
      'skipped',
      'remaining',
      'Pause',
      'bounced',
      'soft bounce',
      'spam complaint',
      'Subscriber',
      'Attempts',
      'SMTP answer',
      'queued',
    ],
  );
  const paused = await client.postForm(`/admin/editions/${PERIOD}/delivery/pause`, {}, HX);
  assert.equal(paused.statusCode, 200);
  assert.match(paused.body, /^<div id="delivery"/);
  assertWords(paused.body, 'the paused delivery fragment', ['En pause', 'Reprendre'], ['Paused', 'Resume']);
  assert.equal((await client.postForm(`/admin/editions/${PERIOD}/delivery/resume`)).statusCode, 303);
  assertWords(await ok(client, `/admin/editions/${PERIOD}/delivery`), 'the flash of a resume without htmx', ['Envoi repris.'], ['Sending resumed']);
  const send = await services.delivery.status({ period: PERIOD, actor: OPERATOR });
  await services.delivery.run({ sendId: send.send!.id });
  const done = await ok(client, `/admin/editions/${PERIOD}/delivery`, HX);
  assertWords(done, 'the delivery report', ['Envoyée', '1 envoyé ·', 'reader@example.org', 'Envoyé le'], ['Sent', 'sent ·']);
  assertWords(
    await ok(client, `/admin/editions/${PERIOD}`),
    'the editor once sent',
    ['Envoyée aux abonnés : 1 sur 1.', 'Rapport d’envoi'],
    ['Sent to subscribers', 'Delivery report'],
  );

  const stats = await ok(client, `/admin/editions/${PERIOD}/stats`);
  assertWords(
    stats,
    'the stats',
    [
      'Statistiques de Weekly Links: June',
      'Liens suivis par les lecteurs',
      'clic sur ses liens,',
      'exemplaire remis',
      'Envoyée le',
      'Lien',
      'Clics',
      'Part des exemplaires remis',
      'Divers',
      'Télécharger en CSV',
      'jamais par lecteur',
      'Liens de l’archive',
      'Aucun lien de cette édition n’a échoué',
    ],
    [
      'Stats',
      'Links readers followed',
      'clicks on its links',
      'copy delivered',
      'Miscellaneous',
      'Download as CSV',
      'never per reader',
      'Links of the archive',
      'Of delivered copies',
    ],
  );

  // A new address refused (empty): said in French, on the stats page.
  const emptyUrl = await client.postForm(`/admin/editions/${PERIOD}/links/${caddy.id}/url`, { url: '' });
  assert.equal(emptyUrl.statusCode, 422);
  assertWords(emptyUrl.body, 'an empty new address', ['Saisissez la nouvelle adresse du lien.'], ['Enter the new address']);

  const unpublished = await client.postForm(`/admin/editions/${PERIOD}/unpublish`);
  assert.equal(unpublished.statusCode, 303);
  assertWords(
    await ok(client, `/admin/editions/${PERIOD}`),
    'the unpublish flash',
    ['L’édition est redevenue un brouillon : elle a quitté le site public.'],
    ['draft again'],
  );
});

test('an English editor on a French newsletter sees the edition screens in English, the section of no category included', async (t) => {
  const testApp = await buildTestApp(t);
  const { client } = await draftWithSections(testApp, { locale: 'fr', name: 'Veille' });

  const editor = await ok(client, `/admin/editions/${PERIOD}`);
  assertWords(
    editor,
    'the editor',
    ['Text before the links of “Miscellaneous”', 'Move up: Miscellaneous', 'Slug', 'Closing words', 'Save', 'June 2024 · Draft', 'Proposed from the inbox'],
    ['Divers', 'Enregistrer', 'Mot de la fin', 'Brouillon'],
  );
  assert.match(editor, /<template id="substack-html">[\s\S]*Divers[\s\S]*<\/template>/, 'the newsletter’s text in its language');
  assertWords(await ok(client, `/admin/editions/${PERIOD}/sections`, HX), 'the sections fragment', ['Miscellaneous'], ['Divers']);

  const preflight = await ok(client, `/admin/editions/${PERIOD}/preflight`);
  assertWords(
    preflight,
    'the publish screen',
    [
      'Warnings: they do not block',
      '1 link has no commentary: “Traefik 3”',
      '“Data” has no links',
      '1 active subscriber will receive it.',
      'Publish on the web only',
    ],
    ['Avertissements', 'Divers', 'abonné', 'Publier'],
  );
  const refused = await client.postForm(`/admin/editions/${PERIOD}/preflight`, { choice: 'web' });
  assert.equal(refused.statusCode, 422);
  assertWords(
    refused.body,
    'the warnings not acknowledged',
    ['Tick “I have read the warnings” to go ahead', 'Read the warnings, then tick this box.'],
    ['Cochez'],
  );

  assert.equal((await client.postForm(`/admin/editions/${PERIOD}/preflight`, { choice: 'web', acknowledged: 'yes' })).statusCode, 303);
  const published = await ok(client, `/admin/editions/${PERIOD}`);
  assertWords(
    published,
    'the published edition',
    ['Published: /2024/06/', '(on the web only: no email was sent)', 'Send to subscribers', 'Unpublish'],
    ['Publiée', 'Dépublier'],
  );
  const path = publicPath(published);
  const page = await ok(client, path);
  assert.match(page, /Divers/, 'the public edition keeps the newsletter’s word');
  assert.doesNotMatch(page, /Miscellaneous/);
  const email = await ok(client, `/admin/editions/${PERIOD}/email-preview`);
  assert.match(email, /Divers/, 'so does the email');
  assert.doesNotMatch(email, /Miscellaneous/);

  const stats = await ok(client, `/admin/editions/${PERIOD}/stats`);
  assertWords(stats, 'the stats', ['Links readers followed', 'Miscellaneous', 'Download as CSV'], ['Divers', 'Statistiques']);
  const delivery = await ok(client, `/admin/editions/${PERIOD}/delivery`);
  assertWords(delivery, 'the delivery page', ['This edition has not been sent by email.'], ['Cette édition']);
});
