import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { ENGLISH_CHROME, ISO_DAY, assertSpeaks, frenchOwner, landing, shown, upload } from '../../helpers/admin-language.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { OWNER, TestClient } from '../../helpers/client.ts';

const SAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/samples/web-ops-data-janvier-2018.md');

test('a French editor on an English newsletter: webhooks, imports and the export in French, with their refusals and messages', async (t) => {
  const { app, services } = await buildTestApp(t, { worker: true });
  await services.settings.update({ actor: OPERATOR, input: { locale: 'en', newsletterName: 'Weekly Links' } });
  const owner = new TestClient(app);
  await frenchOwner(owner, OWNER);
  await services.subscribers.add({ actor: OPERATOR, email: 'ana@example.org' });

  // Webhooks: a refusal, a hook, its page with a delivery.
  const badHook = await owner.postForm('/admin/webhooks', { url: 'http://hooks.example.org/veille', description: 'Zapier' });
  assert.equal(badHook.statusCode, 422);
  assert.match(badHook.body, /value="Zapier"/);
  assertSpeaks(
    badHook.body,
    'refused webhook',
    ['L’URL doit commencer par https://', 'Choisissez au moins un événement.'],
    ['must start with', 'Choose at least'],
  );
  const hookPage = await landing(
    owner,
    await owner.postForm('/admin/webhooks', { url: 'https://hooks.example.org/veille', events: ['edition.sent', 'subscriber.confirmed'] }),
  );
  assertSpeaks(hookPage, 'flash after adding a webhook', ['Le webhook est enregistré. Gardez son secret'], ['is registered']);
  const hookId = (await services.webhooks.list({ actor: OPERATOR }))[0]!.id;
  const pinged = await landing(owner, await owner.postForm(`/admin/webhooks/${hookId}/ping`));
  assertSpeaks(
    pinged,
    'webhook page',
    [
      'Un événement ping est en route.',
      '← Webhooks',
      'Activé',
      'Secret',
      'Vérifiez chaque appel',
      'Événements',
      'Une édition a été envoyée à tous les abonnés.',
      'Envoyer un ping',
      'Nouveau secret',
      'Supprimer',
      'Appels',
      'Tentatives',
    ],
    [
      ...ENGLISH_CHROME,
      'is on its way',
      'Check each call',
      'Events',
      'An edition has been sent',
      'Send a ping',
      'New secret',
      'Remove',
      'Deliveries',
      'Attempts',
      'Answer',
    ],
  );
  assert.doesNotMatch(shown(pinged), ISO_DAY);
  const hooks = await owner.get('/admin/webhooks');
  assertSpeaks(
    hooks.body,
    'webhooks',
    ['Veille appelle ces adresses', 'Dernier appel', 'Ajouter un webhook', 'Description (facultative)', 'Un lecteur se désabonne'],
    ['calls these addresses', 'Last call', 'Add a webhook', 'optional', 'A reader unsubscribes'],
  );

  // Imports: the page, a refusal, the dry run, its progress fragment, the finished import.
  const importPage = await owner.get('/admin/import');
  assert.ok(importPage.body.includes('Seulement des lecteurs\u202f?'), 'a narrow no-break space before the question mark');
  assertSpeaks(
    importPage.body,
    'import',
    ['Depuis des fichiers', 'Lire le fichier', 'Depuis un flux', 'Adresse du flux', 'Lire le flux', 'Seulement des lecteurs ?'],
    [...ENGLISH_CHROME, 'From files', 'Read the file', 'From a feed', 'Feed address', 'Readers only'],
  );
  const notHttp = await upload(app, owner, '/admin/import', { name: '', content: '' });
  assert.equal(notHttp.statusCode, 422);
  assertSpeaks(notHttp.body, 'import without a source', ['Choisissez un fichier'], ['Choose a file']);
  const uploaded = await upload(app, owner, '/admin/import', { name: 'janvier-2018.md', content: await readFile(SAMPLE) });
  const reportUrl = String(uploaded.headers.location);
  const report = await owner.get(reportUrl);
  assertSpeaks(
    report.body,
    'dry run',
    ['Ce que ferait cet import', 'édition à créer', 'Importer 1 édition', 'Annuler', 'Aucun email n’est envoyé.', 'Rubriques', 'créer'],
    ['What this import would do', 'to create', 'Import 1 edition', 'No email is sent', 'Sections', 'Text sections'],
  );
  const started = await owner.postForm(`${reportUrl}/run`, {}, { 'hx-request': 'true' });
  let progress = started.body;
  for (let attempt = 0; attempt < 200 && /hx-trigger="every 1s"/.test(progress); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    progress = (await owner.get(reportUrl, { 'hx-request': 'true' })).body;
  }
  assert.doesNotMatch(progress, /<html/, 'the progress fragment');
  assertSpeaks(
    progress,
    'finished import',
    ['terminé', 'éditions traitées sur', 'Terminé', 'Voir les éditions', 'Avancement de l’import'],
    ['done', 'worked through', 'See the editions', 'Import progress'],
  );
  const recent = await owner.get('/admin/import');
  assertSpeaks(recent.body, 'recent imports', ['Imports récents', 'terminé'], ['Recent imports']);

  // The export.
  const exportPage = await owner.get('/admin/export');
  assertSpeaks(
    exportPage.body,
    'export',
    ['Tout télécharger', 'Aujourd’hui : 1 édition', '1 abonné', 'Tout télécharger (.zip)', 'cette commande écrit'],
    [...ENGLISH_CHROME, 'Download everything', 'Today:', 'On the server'],
  );
});
