import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import PostalMime from 'postal-mime';
import { renderEditionEmail, UNSUBSCRIBE_PLACEHOLDER } from '../../../apps/domain/editions/edition-email.ts';
import { compileMessageTemplate } from '../../../apps/domain/mail/mime-template.ts';
import type { EditionDocument, EditionLink, NewsletterInfo } from '../../../apps/domain/editions/edition-types.ts';
import { category, edition, fromSample, link, text } from '../../helpers/editions.ts';
import { categoryBlocks, everyLink } from '../../../apps/domain/editions/edition-blocks.ts';
import { readSample } from '../../helpers/samples.ts';

const SAMPLE_NAME = 'web-ops-data-janvier-2018';
const GMAIL_CLIP_BYTES = 102 * 1024;

const INFO: NewsletterInfo = {
  name: 'Web, Ops & Data',
  description: 'La veille mensuelle',
  publicUrl: 'https://veille.example',
  locale: 'fr',
  footer: 'Vous recevez cette lettre parce que vous vous y êtes abonné.',
};

const VIEW_URL = 'https://veille.example/2018/01/web-ops-data-janvier-2018';

function allLinks(doc: EditionDocument): EditionLink[] {
  return everyLink(doc);
}

// The text part is word-wrapped: compare with runs of whitespace made single spaces.
function squash(text: string): string {
  return text.replace(/\s+/g, ' ');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

// Real markup only: the sample's code block legitimately shows "<missing>" as text.
const HTML_TAG = /<\/?(?:html|head|body|meta|title|style|script|link|table|tbody|tr|td|div|span|p|a|ul|ol|li|h[1-6]|pre|code|br|img)\b[^>]*>/i;

describe('renderEditionEmail with the January 2018 sample', () => {
  const doc = fromSample(readSample(SAMPLE_NAME), SAMPLE_NAME);
  const email = renderEditionEmail(doc, INFO, { viewInBrowserUrl: VIEW_URL });
  const links = allLinks(doc);

  test('the subject is the edition title', () => {
    assert.equal(email.subject, 'Web, Ops & Data - Janvier 2018');
  });

  test('the sample has links to check', () => {
    assert.ok(links.length >= 10);
  });

  test('every link URL is in the HTML as an href and in the text part', () => {
    for (const item of links) {
      assert.ok(email.html.includes(`href="${item.url.replace(/&/g, '&amp;')}"`), `html lacks ${item.url}`);
      assert.ok(email.text.includes(item.url), `text lacks ${item.url}`);
    }
  });

  test('the HTML is a full document without scripts or external stylesheets', () => {
    assert.match(email.html, /^<!doctype html>\s*<html lang="fr"/i);
    assert.ok(email.html.includes('<meta name="color-scheme" content="light dark">'));
    assert.ok(email.html.includes('<meta name="supported-color-schemes" content="light dark">'));
    assert.doesNotMatch(email.html, /<script/i);
    assert.doesNotMatch(email.html, /<link[^>]*stylesheet/i);
    assert.doesNotMatch(email.html, /<img/i);
  });

  test('styles are inlined and the dark-mode media query stays in the head', () => {
    assert.match(email.html, /<h1[^>]* style="[^"]*font-size/);
    assert.match(email.html, /<h2[^>]* style="[^"]*font-size/);
    assert.match(email.html, /<a [^>]*style="[^"]*color/);
    const head = email.html.slice(0, email.html.indexOf('</head>'));
    assert.match(head, /@media \(prefers-color-scheme: dark\)/);
  });

  test('a centred 600 px layout built from presentation tables', () => {
    assert.match(email.html, /width="600"/);
    assert.match(email.html, /max-width: 600px/);
    const tables = email.html.match(/<table\b[^>]*>/g) ?? [];
    assert.ok(tables.length >= 2);
    for (const table of tables) {
      assert.match(table, /role="presentation"/);
      assert.match(table, /cellpadding="0"/);
      assert.match(table, /cellspacing="0"/);
    }
  });

  test('a hidden preheader with padding, absent from the text part', () => {
    assert.ok(email.preheader.length > 0 && email.preheader.length <= 140);
    // No intro in this sample: the section names stand in for it.
    assert.ok(email.preheader.startsWith('Container & Orchestration'));
    const preheader = /<div class="preheader" style="display: none;[^"]*">([^<]*)<\/div>/.exec(email.html);
    assert.ok(preheader, 'hidden preheader div');
    assert.ok(preheader[1]!.startsWith('Container &amp; Orchestration'));
    assert.ok(preheader[1]!.includes('&#847;&zwnj;&nbsp;'));
    assert.ok(!email.text.includes('&#847;') && !email.text.includes('\u034f'));
  });

  test('sections, their links and the free section with its code block', () => {
    for (const section of categoryBlocks(doc)) assert.ok(email.html.includes(`>${section.name.replace(/&/g, '&amp;')}</h2>`), section.name);
    assert.ok(email.html.includes('>Astuce(s) du mois</h2>'));
    assert.match(email.html, /<pre tabindex="0" style="[^"]*font-family: ui-monospace[^"]*white-space: pre-wrap[^"]*overflow-wrap: anywhere/);
    assert.ok(email.html.includes('docker image history nginx:stable'));
  });

  test('the text part reads on its own: title, headings, "title : commentary" then the URL', () => {
    assert.doesNotMatch(email.text, HTML_TAG);
    const flat = squash(email.text);
    assert.ok(flat.includes('WEB, OPS & DATA - JANVIER 2018'));
    for (const section of categoryBlocks(doc)) assert.ok(flat.includes(section.name.toUpperCase()), section.name);
    for (const item of links) {
      assert.ok(flat.includes(item.title), `text lacks title ${item.title}`);
      if (item.commentary) {
        const start = item.commentary.split(/\s+/).slice(0, 3).join(' ');
        assert.match(flat, new RegExp(`${escapeRegExp(item.title)} : ${escapeRegExp(start)}[^\\n]*? ${escapeRegExp(item.url)}`));
      }
    }
    for (const line of email.text.split('\n')) {
      // Only URLs and the preformatted code may exceed the wrap width.
      if (line.length > 78) assert.ok(/https?:\/\/\S+$/.test(line) || !line.includes(' ') || /\s{2,}/.test(line), `long line: ${line}`);
    }
    assert.ok(email.text.includes('docker image history nginx:stable'));
  });

  test('the footer text, the archive link and the unsubscribe link', () => {
    assert.ok(email.html.includes('Vous recevez cette lettre parce que vous vous y êtes abonné.'));
    assert.ok(email.html.includes('href="https://veille.example/"'));
    assert.ok(email.html.includes(`href="${VIEW_URL}"`));
    assert.ok(email.text.includes(VIEW_URL));
    assert.match(email.html, new RegExp(`<a [^>]*href="${escapeRegExp(UNSUBSCRIBE_PLACEHOLDER)}"[^>]*>Se désabonner</a>`));
    const lastLine = email.text.trimEnd().split('\n').at(-1);
    assert.equal(lastLine, `Se désabonner [${UNSUBSCRIBE_PLACEHOLDER}]`);
  });

  test('French labels', () => {
    assert.ok(email.html.includes('Voir dans le navigateur'));
    assert.ok(email.text.includes('Voir dans le navigateur'));
    assert.ok(!email.html.includes('View in browser'));
    assert.ok(!email.html.includes('>Unsubscribe<'));
  });

  test('the HTML stays under Gmail clipping size', () => {
    assert.ok(Buffer.byteLength(email.html) < GMAIL_CLIP_BYTES, `${Buffer.byteLength(email.html)} bytes`);
  });

  test('each recipient’s copy carries their unsubscribe link in both parts, and nothing else changes', async () => {
    assert.ok(count(email.html, UNSUBSCRIBE_PLACEHOLDER) >= 1);
    assert.ok(count(email.text, UNSUBSCRIBE_PLACEHOLDER) >= 1);
    const template = compileMessageTemplate({
      from: { address: 'news@veille.test' },
      subject: email.subject,
      html: email.html,
      text: email.text,
      placeholder: UNSUBSCRIBE_PLACEHOLDER,
    });
    const url = 'https://veille.example/unsubscribe?s=42&t=abc$&';
    const parsed = await PostalMime.parse(template.render({ to: 'reader@example.org', messageId: '<a@veille.test>', url }));
    const html = parsed.html ?? '';
    const text = parsed.text ?? '';
    assert.ok(!html.includes('__VEILLE_UNSUBSCRIBE__') && !text.includes('__VEILLE_UNSUBSCRIBE__'));
    assert.ok(html.includes('href="https://veille.example/unsubscribe?s=42&amp;t=abc$&amp;"'));
    assert.ok(text.includes(`[${url}]`));
    assert.equal(count(html, 'unsubscribe?s=42'), count(email.html, UNSUBSCRIBE_PLACEHOLDER));
    // split/join: the "$&" in this URL must not be read as a replacement pattern.
    assert.equal(html.replace(/\r\n/g, '\n').replace(/\n$/, ''), email.html.split(UNSUBSCRIBE_PLACEHOLDER).join(url.replaceAll('&', '&amp;')));
    // The rendered email is shared by all recipients: it is left untouched.
    assert.ok(email.html.includes(UNSUBSCRIBE_PLACEHOLDER));
  });
});

describe('renderEditionEmail edge cases', () => {
  test('English labels with the en locale', () => {
    const email = renderEditionEmail(
      edition({ blocks: [category('Tools', [link('A tool', 'https://tool.example/')])] }),
      { ...INFO, locale: 'en' },
      { viewInBrowserUrl: VIEW_URL },
    );
    assert.match(email.html, /<html lang="en"/);
    assert.ok(email.html.includes('>View in browser</a>'));
    assert.ok(email.html.includes('>Unsubscribe</a>'));
    assert.ok(email.text.includes(`Unsubscribe [${UNSUBSCRIBE_PLACEHOLDER}]`));
    assert.ok(!email.html.includes('Voir dans le navigateur'));
    assert.ok(!email.html.includes('Se désabonner'));
  });

  test('a hostile title, section name, link and footer are escaped', () => {
    const hostile = '<script>alert(1)</script>';
    const doc = edition({
      title: hostile,
      tags: [hostile],
      blocks: [
        category(hostile, [link(hostile, 'javascript:alert(1)', 'plain'), link('ok', 'https://ok.example/"><script>x</script>')], {
          intro: hostile,
          outro: '[y](javascript:alert(4))',
        }),
        text(hostile, `<script>alert(2)</script>\n\n[x](javascript:alert(3))`),
      ],
    });
    const email = renderEditionEmail(doc, { ...INFO, name: hostile, footer: hostile }, { viewInBrowserUrl: VIEW_URL });
    assert.equal(email.subject, hostile);
    assert.doesNotMatch(email.html, /<script/i);
    assert.doesNotMatch(email.html, /href="javascript:/i);
    assert.ok(email.html.includes('<h1 style="') && email.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;</h1>'));
    assert.ok(email.html.includes('<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>'));
    assert.ok(email.html.includes('href="https://ok.example/&quot;&gt;&lt;script&gt;x&lt;/script&gt;"'));
    // In the text part the title is just text again.
    assert.ok(email.text.includes(hostile.toUpperCase()) || email.text.includes(hostile));
  });

  test('the intro makes the preheader; nested links become nested lists; an empty section kept shows its heading', () => {
    const intro = `Bonjour **à tous** ! ${'Un mois chargé. '.repeat(20)}`;
    const doc = edition({
      intro,
      outro: 'À *bientôt*.',
      blocks: [
        category('Vide', [], { keepEmpty: true }),
        category('Caché'),
        category('Plein', [link('Parent', 'https://parent.example/', 'le parent', [link('Enfant', 'https://child.example/', 'l’enfant')])]),
      ],
    });
    const email = renderEditionEmail(doc, INFO, { viewInBrowserUrl: VIEW_URL });
    assert.ok(email.preheader.startsWith('Bonjour à tous ! Un mois chargé.'));
    assert.ok(email.preheader.length <= 140);
    assert.ok(email.html.includes(`>${email.preheader}&#847;`));
    assert.match(email.html, /Vide<\/h2>\s*<h2/);
    assert.match(
      email.html,
      /<li[^>]*><span class="item"><a[^>]*href="https:\/\/parent\.example\/"[^>]*>Parent<\/a> : le parent<\/span><ul[^>]*>\s*<li[^>]*><span class="item"><a[^>]*>Enfant<\/a>/,
    );
    assert.ok(email.html.includes('<strong'));
    const flat = squash(email.text);
    assert.ok(flat.includes('Parent : le parent https://parent.example/'));
    assert.ok(flat.includes('Enfant : l’enfant https://child.example/'));
    assert.ok(flat.includes('À bientôt.'));
    assert.ok(flat.indexOf('VIDE') < flat.indexOf('PLEIN'));
    assert.ok(!email.html.includes('Caché') && !flat.includes('CACHÉ'), 'an empty section nobody kept is not shown');
  });

  test('relative links in Markdown point back to the public site', () => {
    const doc = edition({
      blocks: [
        category('S', [link('L', 'https://l.example/', 'voir [là](/a-propos)')]),
        text('Liens', 'Voir [le mois dernier](/2024/05/mai-2024) et [ceci](#outils).'),
      ],
    });
    const email = renderEditionEmail(doc, INFO, { viewInBrowserUrl: VIEW_URL });
    assert.ok(email.html.includes('href="https://veille.example/2024/05/mai-2024"'));
    assert.ok(email.html.includes('href="https://veille.example/2024/06/juin-2024#outils"'));
    assert.ok(email.html.includes('href="https://veille.example/a-propos"'));
    assert.ok(email.text.includes('https://veille.example/2024/05/mai-2024'));
  });

  test('the footer option overrides the newsletter footer', () => {
    const email = renderEditionEmail(edition(), INFO, { viewInBrowserUrl: VIEW_URL, footer: 'Pied <personnalisé>' });
    assert.ok(email.html.includes('Pied &lt;personnalisé&gt;'));
    assert.ok(!email.html.includes(INFO.footer));
  });

  test('an unsafe view-in-browser URL is refused', () => {
    assert.throws(() => renderEditionEmail(edition(), INFO, { viewInBrowserUrl: 'javascript:alert(1)' }));
  });
});
