import assert from 'node:assert/strict';
import test from 'node:test';
import PostalMime from 'postal-mime';
import { compileMessageTemplate, formatAddress } from '../../../apps/domain/mail/mime-template.ts';

const PLACEHOLDER = 'https://unsubscribe.invalid/__VEILLE_UNSUBSCRIBE__';

// Bodies that put the placeholder where a quoted-printable encoder would like to break a line:
// after long runs of text, after non-ASCII characters encoded as =XX, after trailing spaces.
function bodies(): { html: string; text: string } {
  const long = 'Une édition très longue, avec des accents à chaque ligne — et des “guillemets”. '.repeat(8);
  const html = [
    '<!doctype html><html><body>',
    `<p>${long}</p>`,
    `<p>${'x'.repeat(73)}<a href="${PLACEHOLDER}">Se désabonner</a></p>`,
    `<p>Trailing spaces before a link:   <a href="${PLACEHOLDER}">unsubscribe</a>   </p>`,
    '<pre>  indented code =3D not an escape\n\tand a tab</pre>',
    '</body></html>',
  ].join('\n');
  const text = `${long}\n\nSe désabonner : ${PLACEHOLDER}\n${'é'.repeat(30)}${PLACEHOLDER}\nLast line with trailing space `;
  return { html, text };
}

test('each copy decodes to the original bodies with the recipient URL in place of the placeholder', async () => {
  const { html, text } = bodies();
  const template = compileMessageTemplate({
    from: { name: 'Web, Ops & Data — la veille', address: 'news@veille.test' },
    subject: 'Web, Ops, IoT et Time Series - Juin 2024 : édition spéciale « données »',
    html,
    text,
    placeholder: PLACEHOLDER,
    headers: { 'List-Id': 'Web Ops <newsletter.veille.test>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  });
  for (const url of ['https://veille.test/unsubscribe/abc.DEF-123_xyz', `https://veille.test/unsubscribe/${'t'.repeat(150)}?a=1&b=2`]) {
    const raw = template.render({
      to: 'reader@example.org',
      messageId: '<edition.subscriber@veille.test>',
      url,
      headers: { 'List-Unsubscribe': `<${url}>, <mailto:news@veille.test?subject=unsubscribe>` },
      date: new Date('2024-06-30T18:00:00Z'),
    });
    const source = raw.toString('latin1');
    assert.ok(!source.includes('__VEILLE_UNSUBSCRIBE__'), 'no placeholder is left, even split by a soft break');
    assert.ok(/^[\x20-\x7e\r\n\t]*$/.test(source), 'the message is plain ASCII');
    for (const line of source.split('\r\n')) assert.ok(line.length <= 998, `line of ${line.length} characters`);
    for (const line of source.slice(source.indexOf('\r\n\r\n')).split('\r\n')) assert.ok(line.length <= 76, `body line over 76: ${line}`);
    assert.ok(!/(?<!\r)\n/.test(source), 'every line ends with CRLF');

    const parsed = await PostalMime.parse(raw);
    assert.equal(parsed.subject, 'Web, Ops, IoT et Time Series - Juin 2024 : édition spéciale « données »');
    assert.equal(parsed.from?.name, 'Web, Ops & Data — la veille');
    assert.equal(parsed.from?.address, 'news@veille.test');
    assert.deepEqual(
      parsed.to?.map((entry) => entry.address),
      ['reader@example.org'],
    );
    assert.equal(parsed.messageId, '<edition.subscriber@veille.test>');
    assert.equal(new Date(parsed.date ?? '').toISOString(), '2024-06-30T18:00:00.000Z');
    const header = (name: string) => parsed.headers.find((entry) => entry.key === name)?.value;
    assert.equal(header('list-unsubscribe'), `<${url}>, <mailto:news@veille.test?subject=unsubscribe>`);
    assert.equal(header('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
    assert.equal(header('list-id'), 'Web Ops <newsletter.veille.test>');
    const escapedUrl = url.replaceAll('&', '&amp;');
    // postal-mime keeps the line break before a boundary in the part (it does so for nodemailer's
    // own messages too): compare without it.
    const decoded = (value: string | undefined) => value?.replace(/\r\n/g, '\n').replace(/\n$/, '');
    assert.equal(decoded(parsed.html), html.replaceAll(PLACEHOLDER, escapedUrl));
    assert.equal(decoded(parsed.text), text.replaceAll(PLACEHOLDER, url));
  }
});

test('a copy renders in well under a millisecond', () => {
  const { html, text } = bodies();
  const template = compileMessageTemplate({
    from: { address: 'news@veille.test' },
    subject: 'Juin',
    html: html.repeat(20),
    text: text.repeat(20),
    placeholder: PLACEHOLDER,
  });
  // Not a timing assertion: the size shows nothing is re-encoded per copy beyond the splices.
  const date = new Date('2024-06-30T18:00:00Z');
  const one = template.render({ to: 'a@example.org', messageId: '<a@x>', url: 'https://x.test/u/1', date });
  const two = template.render({ to: 'b@example.org', messageId: '<b@x>', url: 'https://x.test/u/2', date });
  assert.equal(one.length, two.length);
  // Written into a reused buffer, each copy is the same bytes as a fresh one.
  const scratch = { buffer: Buffer.alloc(0) };
  assert.deepEqual(Buffer.from(template.render({ to: 'a@example.org', messageId: '<a@x>', url: 'https://x.test/u/1', date }, scratch)), one);
  const grown = scratch.buffer;
  assert.deepEqual(Buffer.from(template.render({ to: 'b@example.org', messageId: '<b@x>', url: 'https://x.test/u/2', date }, scratch)), two);
  assert.equal(scratch.buffer, grown, 'the buffer is reused, not reallocated');
});

test('addresses and header values that would inject headers are refused', () => {
  const template = compileMessageTemplate({
    from: { address: 'news@veille.test' },
    subject: 'Juin\r\nBcc: victim@example.org',
    html: '<p>x</p>',
    text: 'x',
    placeholder: PLACEHOLDER,
  });
  const raw = template.render({ to: 'a@example.org', messageId: '<a@x>', url: 'https://x.test/u' }).toString('latin1');
  assert.ok(!/^Bcc:/m.test(raw), 'a line break in the subject does not start a header');
  assert.throws(() => template.render({ to: 'a@example.org\r\nBcc: victim@example.org', messageId: '<a@x>', url: 'https://x.test/u' }));
  assert.throws(() => template.render({ to: 'a@example.org', messageId: '<a@x>\nX-Evil: 1', url: 'https://x.test/u' }));
  assert.throws(() =>
    template.render({ to: 'a@example.org', messageId: '<a@x>', url: 'https://x.test/u', headers: { 'List-Unsubscribe': '<x>\r\nBcc: v@example.org' } }),
  );
  assert.throws(() => formatAddress({ address: 'Someone <a@example.org>' }));
  assert.throws(() => template.render({ to: 'a@x.example,b@y.example', messageId: '<a@x>', url: 'https://x.test/u' }), /not a deliverable address/);
  assert.throws(() => formatAddress({ address: 'a@x.example;b@y.example' }));
  assert.equal(formatAddress({ name: 'Dupont "Le Veilleur"', address: 'd@example.org' }), '"Dupont \\"Le Veilleur\\"" <d@example.org>');
});
