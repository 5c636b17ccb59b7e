// The inbox, the link forms, the capture popup and the categories speak the editor's language,
// whatever the newsletter's: every page and fragment, their refusals and their messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { buildInbox, HX, rowIds } from '../../helpers/inbox.ts';
import { sql } from '../../helpers/sql.ts';

const NBSP = '\u00a0';

/** What a reader sees or hears of a page: its text without tags, and the words of its attributes. */
function visibleWords(html: string): string {
  const attributes = [
    ...html.matchAll(/\s(?:placeholder|aria-label|title|hx-confirm|data-one|data-many|data-moved|data-moved-in|data-first|data-last)="([^"]*)"/g),
  ].map((match) => match[1]);
  const text = html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    // Code samples (the API's curl line) are not words of the admin.
    .replace(/<code>[\s\S]*?<\/code>/g, ' ')
    .replace(/<[^>]+>/g, ' ');
  return [text, ...attributes]
    .join(' \n ')
    .replace(/&nbsp;/g, NBSP)
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Asserts none of these English words (whole words, case-sensitive) is seen or heard on the page. */
function assertNoEnglish(html: string, words: string[], where: string) {
  const seen = visibleWords(html);
  for (const word of words) {
    const pattern = new RegExp(`(^|[^\\p{L}])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}])`, 'u');
    const found = pattern.exec(seen);
    assert.equal(found, null, `${where}: “${word}” is still English: …${found ? seen.slice(Math.max(0, found.index - 60), found.index + 60) : ''}…`);
  }
}

/** Asserts each of these words is on the page, seen or heard. */
function assertWords(html: string, words: string[], where: string) {
  const seen = visibleWords(html);
  for (const word of words) assert.ok(seen.includes(word), `${where}: “${word}” is missing`);
}

// The English words of these screens: none may be left for a French editor.
const ENGLISH = [
  'Inbox',
  'To sort',
  'Add',
  'Search',
  'Filter',
  'Select all',
  'Delete',
  'Edit',
  'Save',
  'Cancel',
  'Category',
  'Categories',
  'No category',
  'Commentary',
  'Title',
  'Retry',
  'Fetching title…',
  'Could not fetch',
  'Shortcuts',
  'Keyboard shortcuts',
  'Move',
  'Select',
  'added',
  'link',
  'links',
  'Already shared',
  'Close',
  'Undo',
  'Show',
  'Rename',
  'Archive',
  'Restore',
  'Check links',
  'Nested under',
  'Capture',
  'Paste',
  'Enter',
  'Esc',
  'Shift',
  'drag',
  'Drag',
  'the',
  'of',
  'and',
  'in',
  'is',
  'to',
  'with',
  'selected',
  'first',
  'last',
  'Saved',
];

/** A French editor's admin with links in every state the inbox shows: filed, to sort, nested, failed, tagged, and a draft edition. */
async function frenchEditorInbox(t: Parameters<typeof buildInbox>[0], newsletterLocale: 'en' | 'fr', editorLocale: 'en' | 'fr') {
  const built = await buildInbox(t);
  const { services, add, form, database } = built;
  await services.settings.update({ actor: OPERATOR, input: { locale: newsletterLocale, newsletterName: 'Veille' } });
  const chosen = await form('/admin/account/language', { locale: editorLocale });
  assert.equal(chosen.statusCode, 303);
  const donnees = await services.categories.create({ name: 'Données' });
  const outils = await services.categories.create({ name: 'Outils' });
  await services.categories.create({ name: 'Réseaux' });
  const archivee = await services.categories.create({ name: 'Ancienne rubrique' });
  await services.categories.archive({ id: archivee.id, archived: true });
  const parent = await add({
    url: 'https://exemple.fr/series',
    title: 'Séries temporelles',
    commentary: 'Un tour *complet* des bases spécialisées.',
    categoryId: donnees.id,
    via: 'Les Cast Codeurs',
    tags: ['tsdb', 'postgres'],
  });
  const child = await add({ url: 'https://exemple.fr/series/suite', title: 'La suite', commentary: 'Deuxième partie.', parentId: parent.id });
  const sansCommentaire = await add({ url: 'https://exemple.fr/outil', title: 'Un outil', categoryId: outils.id });
  const aTrier = await add({ url: 'https://exemple.fr/a-trier', title: 'Lien à trier' });
  await database.pool.query(sql`update links set fetch_status = 'failed', fetch_error = ${'délai dépassé'} where id = ${aTrier.id}`);
  const period = await services.editions.currentPeriod();
  await services.editions.ensureDraft({ period });
  return { ...built, donnees, outils, parent, child, sansCommentaire, aTrier, period };
}

test('a French editor on an English newsletter: the inbox, its fragments and the link forms speak French', async (t) => {
  const { owner, form, donnees, parent, child, sansCommentaire, aTrier, period } = await frenchEditorInbox(t, 'en', 'fr');

  const inbox = await owner.get('/admin/inbox');
  assert.equal(inbox.statusCode, 200);
  assert.match(inbox.body, /<html lang="fr">/);
  // What the page's script says when an htmx request fails.
  assert.match(inbox.body, /data-failed="La requête a échoué\. Réessayez\."/);
  assertWords(
    inbox.body,
    [
      'Boîte de réception',
      'À trier',
      'Collez une URL et appuyez sur Entrée',
      'Toutes les catégories',
      'Sans catégorie',
      'À compléter',
      `Avec les liens sélectionnés${NBSP}:`,
      'Déplacer vers la catégorie',
      'Tout sélectionner',
      'Catégories vides',
      'liens pour la prochaine édition',
      'Réessayer',
      `La page n’a pas pu être chargée${NBSP}: délai dépassé`,
      `Pas encore de commentaire${NBSP}: ajoutez-en un`,
      'ajouté par Nicolas Martin le',
      'via Les Cast Codeurs',
      'Raccourcis clavier',
      'Échap',
      'Séries temporelles',
      'Données',
    ],
    'inbox',
  );
  // The words the scripts say come from the page, in French.
  assert.match(inbox.body, /data-many="\{count\} liens sélectionnés\u00a0:"/);
  assert.match(inbox.body, /data-moved-in="\{item\}\u00a0: déplacé en position \{position\} sur \{count\} dans \{list\}\."/);
  // Dates through the editor's formats, never an ISO date shown.
  assert.doesNotMatch(visibleWords(inbox.body), /\b20\d\d-\d\d-\d\d\b/);
  assert.match(inbox.body, /<time datetime="[^"]+">\d{1,2}(er)? [a-zéû]+\.? 20\d\d<\/time>/);
  assertNoEnglish(inbox.body, ENGLISH, 'inbox');

  const fragments: Array<[string, string, Record<string, string>, string[]]> = [
    ['search results', '/admin/inbox?q=temporelles', { ...HX, 'hx-target': 'inbox-list' }, ['1 lien trouvé.', 'Effacer les filtres']],
    ['filtered page', '/admin/inbox?status=all', {}, ['liens trouvés.', 'Tout']],
    ['no match', '/admin/inbox?q=introuvable', { ...HX, 'hx-target': 'inbox-list' }, ['Aucun lien ne correspond', '0 lien trouvé.']],
    ['group rows', '/admin/inbox/rows?category=none&offset=0', HX, ['Lien à trier', 'Réessayer']],
    ['counts', '/admin/inbox/counts', HX, ['liens pour la prochaine édition', 'À trier', '2 à compléter']],
    ['row', `/admin/links/${parent.id}/row`, HX, ['Modifier', 'Supprimer', 'La suite']],
    ['title in place', `/admin/links/${parent.id}/edit?field=title`, HX, ['Enregistrer', 'Annuler', 'Plus']],
    ['commentary in place', `/admin/links/${sansCommentaire.id}/edit?field=commentary`, HX, ['L’aperçu du commentaire s’affiche ici.', 'Maj+Entrée']],
    ['category in place', `/admin/links/${aTrier.id}/edit?field=categoryId`, HX, ['Sans catégorie (à trier)']],
    ['edit form', `/admin/links/${child.id}/edit`, HX, ['Titre', 'Commentaire', 'Catégorie', 'Imbriqué sous', 'Séparés par des virgules']],
    ['edit page', `/admin/links/${parent.id}/edit`, {}, ['Modifier le lien', '← Boîte de réception', 'Où vous l’avez trouvé']],
    ['add page', '/admin/links/new', {}, ['Ajouter un lien', 'Laissez vide pour reprendre le titre de la page.', 'Enregistrer le lien']],
    [
      'capture popup of a saved page',
      `/admin/links/new?popup=1&url=${encodeURIComponent('https://exemple.fr/outil')}`,
      {},
      ['Déjà partagé.', 'Un outil', 'dans la boîte de réception', 'Enregistrer une deuxième copie', `Ouvrir et modifier «${NBSP}Un outil${NBSP}»`],
    ],
    ['duplicate check', `/admin/links/check?url=${encodeURIComponent('exemple.fr/series')}`, HX, ['Déjà partagé.', 'est déjà']],
    ['capture page', '/admin/capture', {}, ['Capturer des liens depuis n’importe quel site', 'Autres façons d’ajouter des liens', 'votre compte']],
    ['categories', '/admin/categories', {}, ['Les rubriques de chaque édition', 'Renommer', 'Archiver', 'Archivées', 'Restaurer', 'Nouvelle catégorie']],
    ['categories fragment', '/admin/categories', HX, ['Ajouter la catégorie', 'Nom de Données']],
    ['link check', `/admin/editions/${period}/link-check`, HX, ['Les liens n’ont pas encore été vérifiés.', 'Vérifier les liens']],
  ];
  for (const [name, url, headers, words] of fragments) {
    const response = await owner.get(url, headers);
    assert.equal(response.statusCode, 200, `${name}: ${response.body.slice(0, 300)}`);
    assertWords(response.body, words, name);
    assertNoEnglish(response.body, ENGLISH, name);
  }

  const preview = await form('/admin/links/preview', { commentary: '' }, HX);
  assertWords(preview.body, ['L’aperçu du commentaire s’affiche ici.'], 'preview');
  assertNoEnglish(preview.body, ENGLISH, 'preview');

  // Quick-add, its duplicate warning, a delete and its undo, a bulk move: the answers are French.
  const added = await form('/admin/links', { url: 'https://exemple.fr/nouveau' }, HX);
  assert.equal(added.statusCode, 200);
  assertWords(added.body, [`«${NBSP}exemple.fr/nouveau${NBSP}» ajouté.`, 'Récupération du titre…'], 'quick-add');
  assertNoEnglish(added.body, ENGLISH, 'quick-add');
  const again = await form('/admin/links', { url: 'https://exemple.fr/a-trier?utm_source=x' }, HX);
  assertWords(again.body, ['Déjà partagé.', 'Vous pouvez garder les deux, ou', 'retirer celui que vous venez d’ajouter'], 'duplicate quick-add');
  assertNoEnglish(again.body, ENGLISH, 'duplicate quick-add');
  const newId = rowIds(again.body)[0]!;
  const deleted = await form(`/admin/links/${newId}/delete`, {}, HX);
  assertWords(deleted.body, ['supprimé.', 'Annuler'], 'deleted');
  assertNoEnglish(deleted.body, ENGLISH, 'deleted');
  const restored = await form(`/admin/links/${newId}/restore`, {}, HX);
  assertNoEnglish(restored.body, ENGLISH, 'restored');

  const moved = await form('/admin/links/bulk', { action: 'move', categoryId: donnees.id, ids: [aTrier.id, newId] }, HX);
  assert.equal(moved.statusCode, 200);
  assertWords(moved.body, ['2 liens déplacés.'], 'bulk move');
  assertNoEnglish(moved.body, ENGLISH, 'bulk move');
  const tagged = await form('/admin/links/bulk', { action: 'tag', tags: 'lecture', ids: aTrier.id }, HX);
  assertWords(tagged.body, ['1 lien tagué.'], 'bulk tag');

  // The popup's confirmation, in a page of its own in French.
  const popup = await form('/admin/links', { popup: '1', url: 'https://exemple.fr/popup', title: 'Depuis la fenêtre' });
  assert.equal(popup.statusCode, 200);
  assert.match(popup.body, /<html lang="fr">/);
  assertWords(popup.body, ['Enregistré', `«${NBSP}Depuis la fenêtre${NBSP}» est dans la boîte de réception de Veille.`, 'Fermer'], 'popup saved');
  assertNoEnglish(popup.body, ENGLISH, 'popup saved');
});

test('refused link and category forms say why in French and keep what was typed', async (t) => {
  const { owner, form, parent, donnees } = await frenchEditorInbox(t, 'en', 'fr');

  const scheme = await form('/admin/links', { url: 'javascript:alert(1)', title: 'Mon titre à garder' });
  assert.equal(scheme.statusCode, 422);
  assertWords(scheme.body, ['Seules les adresses http et https sont acceptées.', 'Corrigez les champs signalés.'], 'refused add');
  assert.match(scheme.body, /value="javascript:alert\(1\)"/);
  assert.match(scheme.body, /value="Mon titre à garder"/);
  assertNoEnglish(scheme.body, ENGLISH, 'refused add');

  const quick = await form('/admin/links', { url: 'pas une adresse' }, HX);
  assert.equal(quick.statusCode, 422);
  assertWords(quick.body, ['Saisissez une adresse web valide, comme https://example.org/article.'], 'refused quick-add');
  assertNoEnglish(quick.body, ENGLISH, 'refused quick-add');

  const long = await form(`/admin/links/${parent.id}`, { url: 'https://exemple.fr/series', title: 'x'.repeat(1001), commentary: 'Gardé tel quel' }, HX);
  assert.equal(long.statusCode, 422);
  assertWords(long.body, [`Titre${NBSP}: 1\u202f000 caractères au plus.`], 'refused edit');
  assert.match(long.body, />Gardé tel quel<\/textarea>/);
  assertNoEnglish(long.body, ENGLISH, 'refused edit');

  const nested = await form(`/admin/links/${parent.id}`, { url: 'https://exemple.fr/series', parentId: parent.id }, HX);
  assert.equal(nested.statusCode, 422);
  assertWords(nested.body, ['Un lien ne peut pas être imbriqué sous lui-même.'], 'refused parent');

  const unknown = await form(`/admin/links/${parent.id}`, { url: 'https://exemple.fr/series', categoryId: 'pas-un-id' }, HX);
  assert.equal(unknown.statusCode, 422);
  assertWords(unknown.body, ['Cette catégorie n’existe pas.'], 'refused category id');
  assertNoEnglish(unknown.body, ENGLISH, 'refused category id');

  const control = await form(`/admin/links/${parent.id}`, { url: 'https://exemple.fr/series', title: 'bip\u0007' }, HX);
  assert.equal(control.statusCode, 422);
  assertWords(control.body, ['contient un caractère de contrôle'], 'refused character');
  assertNoEnglish(control.body, ENGLISH, 'refused character');

  const nothing = await form('/admin/links/bulk', { action: 'move', categoryId: donnees.id }, HX);
  assert.equal(nothing.statusCode, 422);
  assertWords(nothing.body, ['Sélectionnez d’abord au moins un lien.'], 'refused bulk');
  assertNoEnglish(nothing.body, ENGLISH, 'refused bulk');
  const noTags = await form('/admin/links/bulk', { action: 'tag', tags: ' ', ids: parent.id }, HX);
  assertWords(noTags.body, ['Tapez au moins un tag.'], 'refused bulk tag');

  const filter = await owner.get(`/admin/inbox?q=${'a'.repeat(201)}`);
  assert.equal(filter.statusCode, 422);
  assertWords(filter.body, ['Filtre non valide.'], 'refused filter');
  assertNoEnglish(filter.body, ENGLISH, 'refused filter');

  const taken = await form('/admin/categories', { name: 'données' }, HX);
  assert.equal(taken.statusCode, 422);
  assertWords(taken.body, [`«${NBSP}Données${NBSP}» existe déjà.`], 'refused category');
  assert.match(taken.body, /value="données"/);
  assertNoEnglish(taken.body, ENGLISH, 'refused category');
  const empty = await form(`/admin/categories/${donnees.id}`, { name: '' }, HX);
  assert.equal(empty.statusCode, 422);
  assertWords(empty.body, [`Nom${NBSP}: champ obligatoire.`], 'refused rename');
});

test('flash messages after a plain form are in French', async (t) => {
  const { owner, form, aTrier, donnees } = await frenchEditorInbox(t, 'en', 'fr');

  const saved = await form('/admin/links', { url: 'https://exemple.fr/sans-script' });
  assert.equal(saved.statusCode, 303);
  const inbox = await owner.get('/admin/inbox');
  assertWords(inbox.body, ['Enregistré. Son titre et sa description sont en cours de récupération.'], 'flash');
  assertNoEnglish(inbox.body, ENGLISH, 'flash');

  await form('/admin/links', { url: 'https://exemple.fr/a-trier' });
  assertWords((await owner.get('/admin/inbox')).body, ['Enregistré. Ce lien est déjà dans la boîte de réception.'], 'duplicate flash');

  await form(`/admin/links/${aTrier.id}/delete`);
  assertWords((await owner.get('/admin/inbox')).body, [`«${NBSP}Lien à trier${NBSP}» supprimé.`], 'delete flash');

  await form('/admin/categories', { name: 'Sécurité' });
  assertWords((await owner.get('/admin/categories')).body, [`Catégorie «${NBSP}Sécurité${NBSP}» créée.`], 'category flash');
  await form(`/admin/categories/${donnees.id}/archive`, { archived: 'true' });
  const categories = await owner.get('/admin/categories');
  assertWords(categories.body, [`«${NBSP}Données${NBSP}» archivée.`], 'archive flash');
  assertNoEnglish(categories.body, ENGLISH, 'archive flash');
});

test('an English editor on a French newsletter keeps these screens in English', async (t) => {
  const { owner, form, parent, child, period } = await frenchEditorInbox(t, 'fr', 'en');
  const FRENCH = [
    'Boîte de réception',
    'À trier',
    'Enregistrer',
    'Supprimer',
    'Modifier',
    'Annuler',
    'Catégorie',
    'Raccourcis',
    'lien',
    'liens',
    'Déjà partagé',
    'ajouté',
  ];
  const pages: Array<[string, Record<string, string>, string[]]> = [
    ['/admin/inbox', {}, ['Inbox', 'To sort', 'With the selected links:', 'links for the next edition', 'Keyboard shortcuts', 'Could not fetch the page']],
    [`/admin/links/${child.id}/edit`, {}, ['Edit link', 'Nested under', 'Comma separated']],
    ['/admin/links/new', {}, ['Add a link', 'Save link']],
    ['/admin/capture', {}, ['Capture links from any site']],
    ['/admin/categories', {}, ['Rename', 'Archive', 'Add category']],
    ['/admin/inbox/counts', HX, ['links for the next edition']],
    [`/admin/editions/${period}/link-check`, HX, ['The links have not been checked yet.']],
  ];
  for (const [url, headers, words] of pages) {
    const response = await owner.get(url, headers);
    assert.equal(response.statusCode, 200, url);
    assertWords(response.body, words, url);
    for (const word of FRENCH) assert.doesNotMatch(visibleWords(response.body), new RegExp(`(^|[^\\p{L}])${word}($|[^\\p{L}])`, 'u'), `${url}: “${word}”`);
  }
  assert.match((await owner.get('/admin/inbox')).body, /<html lang="en">/);

  const refused = await form('/admin/links', { url: 'javascript:alert(1)' });
  assert.equal(refused.statusCode, 422);
  assert.match(refused.body, /Only http and https addresses are accepted\./);
  const moved = await form('/admin/links/bulk', { action: 'delete', ids: parent.id }, HX);
  assert.match(moved.body, /2 links deleted\./);
});
