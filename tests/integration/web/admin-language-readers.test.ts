import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { ENGLISH_BROWSER, ENGLISH_CHROME, FRENCH_BROWSER, ISO_DAY, assertSpeaks, landing, shown, upload } from '../../helpers/admin-language.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { OWNER, TestClient } from '../../helpers/client.ts';

test('a French editor on an English newsletter: the readers’ and team’s screens, their fragments, refusals and messages in French', async (t) => {
  const { app, services } = await buildTestApp(t);
  await services.settings.update({ actor: OPERATOR, input: { locale: 'en', newsletterName: 'Weekly Links' } });
  const owner = new TestClient(app);

  // Before anyone is signed in, the set-up speaks the browser's language; a refused form keeps what was typed.
  const setup = await owner.get('/setup', FRENCH_BROWSER);
  assert.match(setup.body, /<html lang="fr">/);
  assertSpeaks(
    setup.body,
    'set-up',
    ['Bienvenue dans Veille', 'Créer le compte propriétaire', 'Votre nom', 'Mot de passe', 'Au moins 12 caractères'],
    ['Welcome to Veille', 'Create the owner account', 'Your name', 'At least 12 characters', 'Demo content'],
  );
  const weak = await owner.postForm('/setup', { ...OWNER, password: 'short' }, FRENCH_BROWSER);
  assert.equal(weak.statusCode, 422);
  assertSpeaks(
    weak.body,
    'refused set-up',
    ['Corrigez les champs signalés.', 'Le mot de passe doit faire au moins 12 caractères.', 'Solidité'],
    ['Please correct', 'Password must be', 'Strength:'],
  );
  assert.match(weak.body, /value="Nicolas Martin"/, 'the name typed is kept');
  // The owner's admin starts in the language they set it up in.
  const welcome = await landing(owner, await owner.postForm('/setup', OWNER, FRENCH_BROWSER));
  assertSpeaks(welcome, 'dashboard after set-up', ['Bienvenue, Nicolas Martin. Veille est prêt.'], ['Veille is ready']);
  assert.equal((await services.accounts.listUsers())[0]!.locale, 'fr');

  // Readers: one added by hand, a CSV import of sixty more (previewed, then run), enough for two pages.
  const added = await landing(owner, await owner.postForm('/admin/subscribers', { email: 'ana@example.org' }));
  assertSpeaks(added, 'flash after adding', ['ana@example.org est abonné.'], ['is subscribed']);
  const csv = [
    'email,status,created_at',
    'broken-address,confirmed,2024-02-01',
    ...Array.from({ length: 60 }, (_, i) => `reader${i}@example.org,${i % 3 ? 'confirmed' : 'unconfirmed'},2024-03-0${(i % 9) + 1}`),
  ].join('\n');
  const preview = await upload(app, owner, '/admin/subscribers/import', { name: 'listmonk.csv', content: csv });
  assert.equal(preview.statusCode, 200, preview.body.slice(0, 500));
  assert.doesNotMatch(shown(preview.body), ISO_DAY);
  assertSpeaks(
    preview.body,
    'subscriber import preview',
    [
      'Aperçu de l’import',
      'nouveaux abonnés actifs',
      '1 ligne invalide (ignorée)',
      'Lignes invalides',
      'Saisissez une adresse email valable',
      'Premières lignes à importer',
      'Importer 60 abonnés',
      'Annuler',
      'mars 2024',
    ],
    [
      ...ENGLISH_CHROME,
      'Import preview',
      'new active subscribers',
      'Invalid rows',
      'Enter a valid email',
      'First rows to import',
      'Cancel',
      'Problem',
      'repeated in the file',
    ],
  );
  const importId = /action="\/admin\/subscribers\/import\/([0-9a-f-]+)"/.exec(preview.body)![1]!;
  const imported = await landing(owner, await owner.postForm(`/admin/subscribers/import/${importId}`));
  assertSpeaks(imported, 'flash after the import', ['40 abonnés actifs importés et 20 en attente.'], ['Imported 40']);

  const subscribers = await owner.get('/admin/subscribers');
  assert.doesNotMatch(shown(subscribers.body), ISO_DAY);
  assertSpeaks(
    subscribers.body,
    'subscribers',
    [
      'Abonnés',
      'actifs',
      'en attente de confirmation',
      'Exporter en CSV',
      'Ajouter un lecteur à la main',
      'Rechercher une adresse',
      'Filtrer par état',
      'Tous les états',
      'Effacer',
      'Origine',
      'Depuis',
      'Effacer ana@example.org et toutes ses données',
      'Page 1 sur 2 (61)',
      'Suivante →',
      'Prévisualiser l’import',
    ],
    [
      ...ENGLISH_CHROME,
      'waiting for confirmation',
      'Export CSV',
      'Add a reader by hand',
      'Search addresses',
      'Filter by status',
      'All statuses',
      'Erase',
      'Since',
      'Page 1 of',
      'Next →',
      'Preview the import',
      'Nothing is imported',
      'cannot be undone',
    ],
  );
  const nothing = await owner.get('/admin/subscribers?q=nobody', { 'hx-request': 'true', 'hx-target': 'subscriber-list' });
  assert.doesNotMatch(nothing.body, /<html/, 'the list alone');
  assertSpeaks(nothing.body, 'empty search fragment', ['Aucun abonné ne correspond', 'et confirment par email'], ['No subscriber', 'Readers subscribe']);
  const badFilter = await owner.get('/admin/subscribers?status=gone');
  assert.equal(badFilter.statusCode, 422);
  assertSpeaks(badFilter.body, 'refused filter', ['Ce filtre n’en est pas un'], ['Invalid filter']);

  const invalid = await owner.postForm('/admin/subscribers', { email: 'not-an-address' });
  assert.equal(invalid.statusCode, 422);
  assert.match(invalid.body, /value="not-an-address"/, 'what was typed is kept');
  assertSpeaks(invalid.body, 'refused address', ['Saisissez une adresse email valable, comme nom@exemple.fr.'], ['Enter a valid email']);
  const twice = await owner.postForm('/admin/subscribers', { email: 'ana@example.org' });
  assertSpeaks(twice.body, 'address already there', ['Cette adresse est déjà abonnée.'], ['already subscribed']);
  const emptyFile = await upload(app, owner, '/admin/subscribers/import', { name: 'empty.csv', content: '' });
  assert.equal(emptyFile.statusCode, 422);
  assertSpeaks(emptyFile.body, 'import without a file', ['Choisissez un fichier CSV à importer.'], ['Choose a CSV file']);
  const ana = (await services.subscribers.list({ actor: OPERATOR, q: 'ana@' })).rows[0]!;
  const erased = await landing(owner, await owner.postForm(`/admin/subscribers/${ana.id}/erase`));
  assertSpeaks(erased, 'flash after erasure', ['L’abonné et toutes ses données personnelles ont été effacés.'], ['were erased']);

  // The team: an invitation (its fragment, its refusal), accepted in the invitee's browser language.
  const team = await owner.get('/admin/team');
  assertSpeaks(
    team.body,
    'team',
    ['Équipe', 'Membres', 'vous', 'Propriétaire', 'Inviter un éditeur', 'Envoyer l’invitation', 'Aucune invitation en attente.', 'Rôle de Nicolas Martin'],
    [...ENGLISH_CHROME, 'Members', 'Invite an editor', 'Send invitation', 'No pending invitation', 'Role of', 'Owners manage'],
  );
  const badInvite = await owner.postForm('/admin/team/invitations', { email: 'camille', role: 'editor' }, { 'hx-request': 'true' });
  assert.equal(badInvite.statusCode, 422);
  assert.doesNotMatch(badInvite.body, /<html/, 'the team fragment');
  assert.match(badInvite.body, /value="camille"/);
  assertSpeaks(
    badInvite.body,
    'refused invitation',
    ['Corrigez les champs signalés.', 'Saisissez une adresse email valable'],
    ['Please correct', 'Enter a valid'],
  );
  const invited = await owner.postForm('/admin/team/invitations', { email: 'camille@example.org', role: 'editor' }, { 'hx-request': 'true' });
  assert.equal(invited.statusCode, 200);
  assertSpeaks(
    invited.body,
    'invitation created',
    [
      'Invitation pour',
      'créée et envoyée par email. Elle est valable 7 jours.',
      'Lien d’invitation',
      'Copier',
      'Copié',
      'Invitations en attente',
      'Expire le',
      'Révoquer',
    ],
    ['created and emailed', 'Invitation link', 'Copy', 'Pending invitations', 'Expires', 'Revoke'],
  );
  assert.doesNotMatch(shown(invited.body), ISO_DAY);
  const link = /value="(http[^"]+\/invitations\/[^"]+)"/.exec(invited.body)![1]!;
  const invitee = new TestClient(app);
  const invitationPath = new URL(link).pathname;
  const invitation = await invitee.get(invitationPath, FRENCH_BROWSER);
  assertSpeaks(
    invitation.body,
    'invitation page',
    ['Rejoindre Weekly Links', 'Nicolas Martin a invité camille@example.org comme éditeur', 'Créer mon compte'],
    ['Join Weekly Links', 'invited', 'Create my account', 'Choose your name'],
  );
  const joined = await landing(
    invitee,
    await invitee.postForm(invitationPath, { name: 'Camille Durand', password: 'correct horse battery staple' }, FRENCH_BROWSER),
  );
  assertSpeaks(joined, 'flash after joining', ['Bienvenue dans Weekly Links, Camille Durand.'], ['Welcome to']);
  const camille = (await services.accounts.listUsers()).find((user) => user.email === 'camille@example.org')!;
  assert.equal(camille.locale, 'fr', 'the admin of a new editor speaks the language they joined in');
  const promoted = await landing(owner, await owner.postForm(`/admin/team/users/${camille.id}/role`, { role: 'owner' }));
  assertSpeaks(promoted, 'flash after a role change', ['Camille Durand est désormais propriétaire.', 'Retirer Camille Durand ?'], ['is now', 'Remove Camille']);

  // The outbox holds the invitation.
  const outbox = await owner.get('/admin/outbox');
  assert.doesNotMatch(shown(outbox.body), ISO_DAY);
  assertSpeaks(
    outbox.body,
    'outbox',
    ['Emails envoyés', 'Objet', 'Taille', 'ko', 'Ouvrez-en un pour le lire.'],
    [...ENGLISH_CHROME, 'Subject', 'Size', 'kB', 'Open one to read it'],
  );
  const file = /href="\/admin\/outbox\/([^"/]+)"/.exec(outbox.body)![1]!;
  const message = await owner.get(`/admin/outbox/${file}`);
  assertSpeaks(
    message.body,
    'outbox message',
    ['← Emails envoyés', 'Liens de ce message', 'Télécharger le .eml', 'Partie HTML du message', 'Partie texte', 'Tous les en-têtes'],
    ['← Outbox', 'Links in this message', 'Download the .eml', 'HTML part', 'Plain-text part', 'All headers'],
  );

  // The account: a token, the password form and its strength hint, refusals and messages.
  const token = await owner.postForm('/admin/account/tokens', { name: 'script d’import' });
  assertSpeaks(token.body, 'token created', ['Jeton', 'créé. Copiez-le maintenant', 'Nouveau jeton d’API'], ['created. Copy it', 'New API token']);
  const account = await owner.get('/admin/account');
  assert.doesNotMatch(shown(account.body), ISO_DAY);
  assertSpeaks(
    account.body,
    'account',
    [
      'Changer de mot de passe',
      'Mot de passe actuel',
      'Révoquer aussi mon jeton d’API',
      'Jetons d’API',
      'Nom du jeton',
      'Créer le jeton',
      'Dernière utilisation',
      'Révoquer le jeton « script d’import » ?',
    ],
    [
      ...ENGLISH_CHROME,
      'Change password',
      'Current password',
      'Also revoke',
      'API tokens',
      'Token name',
      'Create token',
      'Last used',
      'Revoke the token',
      'never',
    ],
  );
  const wrongPassword = await owner.postForm('/admin/account/password', { currentPassword: 'not it at all', newPassword: 'another horse battery staple' });
  assert.equal(wrongPassword.statusCode, 422);
  assertSpeaks(wrongPassword.body, 'refused password change', ['Le mot de passe actuel n’est pas le bon.'], ['is not correct']);
  const strength = await owner.post('/password-strength', { newPassword: 'abc' }, { 'hx-request': 'true' });
  assertSpeaks(strength.body, 'strength hint', ['Solidité', 'très faible', 'Utilisez au moins 12 caractères.'], ['Strength', 'very weak', 'Use at least']);
  const tokenId = /action="\/admin\/account\/tokens\/([0-9a-f-]+)\/revoke"/.exec(account.body)![1]!;
  const revoked = await landing(owner, await owner.postForm(`/admin/account/tokens/${tokenId}/revoke`));
  assertSpeaks(revoked, 'flash after revoking', ['Jeton révoqué.'], ['Token revoked']);
  const changed = await landing(
    owner,
    await owner.postForm('/admin/account/password', { currentPassword: OWNER.password, newPassword: 'another horse battery staple' }),
  );
  assertSpeaks(changed, 'flash after a password change', ['Mot de passe changé. Vos autres sessions ont été déconnectées.'], ['Password changed']);

  // Signed out, the sign-in page speaks the browser's language; a wrong password is refused as an unknown address is.
  const signedOut = await owner.post('/logout', { _csrf: await owner.csrfToken() });
  const login = await owner.get(String(signedOut.headers.location), FRENCH_BROWSER);
  assertSpeaks(login.body, 'sign-in', ['Vous êtes déconnecté.', 'Se connecter', 'Mot de passe', 'Mot de passe oublié ?'], ['Sign in', 'Forgot', 'signed out']);
  const wrong = await owner.postForm('/login', { email: OWNER.email, password: 'not the password' }, FRENCH_BROWSER);
  const unknown = await owner.postForm('/login', { email: 'nobody@example.org', password: 'not the password' }, FRENCH_BROWSER);
  assert.equal(wrong.statusCode, 401);
  assert.equal(unknown.statusCode, 401);
  assertSpeaks(wrong.body, 'refused sign-in', ['Email ou mot de passe incorrect.'], ['Incorrect email']);
  const stale = await owner.get('/invitations/not-a-token', FRENCH_BROWSER);
  assert.equal(stale.statusCode, 404);
  assertSpeaks(
    stale.body,
    'invalid invitation',
    ['Page introuvable', 'Ce lien d’invitation n’est pas valable ou a expiré.', 'Retour à l’accueil'],
    ['Invitation not valid', 'invalid or has expired', 'Back to'],
  );
  const errorOf = (html: string) => /<div class="alert alert-error" role="alert">([^<]*)<\/div>/.exec(html)?.[1];
  assert.equal(errorOf(wrong.body), errorOf(unknown.body), 'the same words for a wrong password and an unknown address');
});

test('an English editor on a French newsletter keeps an English admin; an English browser an English sign-in', async (t) => {
  const { app, services } = await buildTestApp(t);
  await services.settings.update({ actor: OPERATOR, input: { locale: 'fr', newsletterName: 'Veille' } });
  const owner = new TestClient(app);
  const setup = await owner.get('/setup', ENGLISH_BROWSER);
  assert.match(setup.body, /<html lang="en">/);
  assertSpeaks(setup.body, 'set-up', ['Welcome to Veille', 'Create the owner account'], ['Bienvenue', 'Votre nom', 'Mot de passe']);
  await landing(owner, await owner.postForm('/setup', OWNER, ENGLISH_BROWSER));
  assert.equal((await services.accounts.listUsers())[0]!.locale, 'en');
  await services.subscribers.add({ actor: OPERATOR, email: 'ana@example.org' });
  await owner.postForm('/admin/team/invitations', { email: 'camille@example.org', role: 'editor' });
  await owner.postForm('/admin/webhooks', { url: 'https://hooks.example.org/veille', events: ['edition.sent'] });
  const hookId = (await services.webhooks.list({ actor: OPERATOR }))[0]!.id;

  const FRENCH_CHROME = ['Se déconnecter', 'Aller au contenu', 'Votre compte'];
  const pages: Array<[string, string[], string[]]> = [
    [
      '/admin/subscribers',
      ['Subscribers', 'Add a reader by hand', 'Search addresses', 'All statuses', 'Erase', 'waiting for confirmation'],
      ['Abonnés', 'Rechercher', 'Effacer', 'Tous les états'],
    ],
    ['/admin/team', ['Members', 'Invite an editor', 'Pending invitations', 'Expires', 'Revoke'], ['Membres', 'Inviter', 'Révoquer', 'Expire le']],
    [
      '/admin/account',
      ['Change password', 'API tokens', 'Token name', 'At least 12 characters'],
      ['Changer de mot de passe', 'Jetons', 'Au moins 12 caractères'],
    ],
    ['/admin/outbox', ['Outbox', 'Subject', 'Size'], ['Emails envoyés', 'Objet', 'Taille']],
    ['/admin/import', ['From files', 'Read the feed', 'Readers only?'], ['Depuis des fichiers', 'Lire le flux']],
    ['/admin/export', ['Download everything', 'Today: 0 editions'], ['Tout télécharger', 'Aujourd’hui']],
    [
      '/admin/webhooks',
      ['Add a webhook', 'Last call', 'An edition has been sent to every subscriber.'],
      ['Ajouter un webhook', 'Dernier appel', 'Une édition'],
    ],
    [`/admin/webhooks/${hookId}`, ['Send a ping', 'New secret', 'Deliveries', 'No call yet.'], ['Envoyer un ping', 'Nouveau secret', 'Appels']],
  ];
  for (const [url, english, french] of pages) {
    const page = await owner.get(url);
    assert.equal(page.statusCode, 200, url);
    assert.match(page.body, /<html lang="en">/, url);
    assertSpeaks(page.body, url, english, [...FRENCH_CHROME, ...french]);
  }
  const refused = await owner.postForm('/admin/subscribers', { email: 'not-an-address' });
  assertSpeaks(refused.body, 'refused address', ['Enter a valid email address, such as name@example.com.'], ['Saisissez']);

  // Before sign-in: q-values decide, English when the browser asks for nothing the admin speaks.
  const visitor = new TestClient(app);
  const cases: Array<[string, string]> = [
    ['de-DE, fr;q=0.5, en;q=0.3', 'fr'],
    ['fr;q=0.2, en;q=0.8', 'en'],
    ['fr;q=0, *', 'en'],
    ['de, es', 'en'],
    ['', 'en'],
    ['FR-ca', 'fr'],
  ];
  for (const [header, locale] of cases) {
    const page = await visitor.get('/login', header ? { 'accept-language': header } : {});
    assert.match(page.body, new RegExp(`<html lang="${locale}">`), header);
    assert.ok(page.body.includes(locale === 'fr' ? 'Se connecter' : 'Sign in'), header);
  }
  const wrong = await visitor.postForm('/login', { email: OWNER.email, password: 'not the password' });
  assertSpeaks(wrong.body, 'refused sign-in', ['Incorrect email or password.'], ['incorrect.']);
});
