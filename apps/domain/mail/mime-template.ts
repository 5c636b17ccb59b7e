// An edition's email built once per send and copied per recipient. Composing the MIME of a 30 kB
// edition costs milliseconds of CPU per message (quoted-printable encoding of both parts, header
// encoding); a send of 100,000 would spend minutes on it. Here the static parts are encoded once,
// and each recipient's copy only splices in what is theirs: To, Message-ID, Date, the
// List-Unsubscribe header and the unsubscribe URL in both bodies.
//
// The bodies are quoted-printable. An encoder is free to break a line (soft break "=\r\n")
// anywhere, including inside a placeholder, so the placeholder is never encoded: each body is
// split at it, every piece is encoded and wrapped on its own and closed with a soft break, and the
// recipient's URL is encoded and wrapped the same way in between. Soft breaks vanish on decoding,
// so the decoded body is exactly the original with the URL in place of the placeholder.
import { randomBytes } from 'node:crypto';
import { encodeWord, encodeWords, foldLines } from 'nodemailer/lib/mime-funcs';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { escapeHtml } from '../platform/html.ts';

export type MessageTemplateInput = {
  from: { name?: string; address: string };
  subject: string;
  html: string;
  text: string;
  /** The text in both bodies replaced by each recipient's URL (HTML-escaped in the HTML part). */
  placeholder: string;
  /** Headers every copy shares (List-Id, List-Unsubscribe-Post, Precedence…): ASCII values. */
  headers?: Record<string, string>;
};

export type Recipient = {
  to: string;
  /** With its angle brackets. */
  messageId: string;
  url: string;
  /** Per-recipient headers (List-Unsubscribe): ASCII values. */
  headers?: Record<string, string>;
  date?: Date;
};

export type MessageTemplate = {
  readonly from: string;
  /**
   * Renders one recipient's copy, ready for SMTP DATA. With `scratch`, the copy is written into
   * that buffer (grown when too small) and a view of it is returned: a sender that reuses its
   * scratch once the message is sent allocates nothing per message.
   */
  render(recipient: Recipient, scratch?: { buffer: Buffer }): Buffer;
};

const CRLF = '\r\n';
const SOFT_BREAK = '=\r\n';
// RFC 5322 line limit for headers we write ourselves; longer values are folded.
const HEADER_LINE = 78;

/** True when the value could smuggle another header or break the message's structure. */
function unsafeHeaderValue(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\r\n\u0000]/.test(value) || !/^[\x20-\x7e\t]*$/.test(value);
}

function headerLine(name: string, value: string): string {
  if (unsafeHeaderValue(value)) throw new Error(`header ${name} must be printable ASCII on one line`);
  return foldLines(`${name}: ${value}`, HEADER_LINE) + CRLF;
}

/** A display name and address as a From/To value, the name encoded when it is not plain ASCII. */
export function formatAddress(address: { name?: string; address: string }): string {
  // One mailbox only: a comma or semicolon would address the copy to several readers.
  if (unsafeHeaderValue(address.address) || /[<>\s,;]/.test(address.address)) throw new Error(`not a deliverable address: ${JSON.stringify(address.address)}`);
  const name = (address.name ?? '').replace(/[\r\n]+/g, ' ').trim();
  if (!name) return address.address;
  // A non-ASCII name is encoded whole, in base64: Q-encoding would leave commas and other
  // address specials bare.
  const display = /^[\x20-\x7e]*$/.test(name) ? `"${name.replace(/["\\]/g, '\\$&')}"` : encodeWord(name, 'B', 52);
  return `${display} <${address.address}>`;
}

/** Quoted-printable with CRLF line breaks and soft breaks at 76 characters. */
function encodeQp(text: string): string {
  return qpWrap(qpEncode(text), 76);
}

/** A body cut at every placeholder, its pieces encoded and each closed by a soft break. */
function encodePieces(body: string, placeholder: string): string[] {
  return body
    .replace(/\r?\n/g, CRLF)
    .split(placeholder)
    .map((piece, index, all) => {
      const encoded = encodeQp(piece);
      // After a hard line break a new line starts anyway; otherwise a soft break ends the line so
      // that what is spliced in next starts on a line of its own. The last piece ends the body.
      return index === all.length - 1 || encoded === '' || encoded.endsWith(CRLF) ? encoded : encoded + SOFT_BREAK;
    });
}

/** The pieces as buffers, and the recipient's value encoded once for all the places it goes. */
function splice(pieces: Buffer[], value: string, into: Buffer[]): void {
  const encoded = pieces.length > 1 ? Buffer.from(encodeQp(value) + SOFT_BREAK, 'latin1') : undefined;
  pieces.forEach((piece, index) => {
    if (index > 0) into.push(encoded!);
    into.push(piece);
  });
}

/** Encodes an edition's email once; `render` then gives each recipient's copy in microseconds. */
export function compileMessageTemplate(input: MessageTemplateInput): MessageTemplate {
  const from = formatAddress(input.from);
  const boundary = `----=_veille_${randomBytes(12).toString('hex')}`;
  const subject = /^[\x20-\x7e]*$/.test(input.subject) ? input.subject : encodeWords(input.subject, 'Q', 52);
  const shared =
    headerLine('From', from) +
    foldLines(`Subject: ${subject.replace(/[\r\n]+/g, ' ')}`, HEADER_LINE) +
    CRLF +
    Object.entries(input.headers ?? {})
      .map(([name, value]) => headerLine(name, value))
      .join('') +
    'MIME-Version: 1.0' +
    CRLF +
    `Content-Type: multipart/alternative; boundary="${boundary}"` +
    CRLF +
    CRLF;
  // Everything written is ASCII (quoted-printable bodies, encoded headers): latin1 is exact.
  const ascii = (text: string) => Buffer.from(text, 'latin1');
  const textPieces = encodePieces(input.text, input.placeholder).map(ascii);
  const htmlPieces = encodePieces(input.html, input.placeholder).map(ascii);
  const sharedBuffer = ascii(shared);
  const textHead = ascii(`--${boundary}${CRLF}Content-Type: text/plain; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`);
  const htmlHead = ascii(`${CRLF}--${boundary}${CRLF}Content-Type: text/html; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`);
  const end = ascii(`${CRLF}--${boundary}--${CRLF}`);

  return {
    from,
    render(recipient, scratch) {
      const date = (recipient.date ?? new Date()).toUTCString().replace(/GMT$/, '+0000');
      const own =
        headerLine('Date', date) +
        headerLine('To', formatAddress({ address: recipient.to })) +
        headerLine('Message-ID', recipient.messageId) +
        Object.entries(recipient.headers ?? {})
          .map(([name, value]) => headerLine(name, value))
          .join('');
      const parts: Buffer[] = [ascii(own), sharedBuffer, textHead];
      splice(textPieces, recipient.url, parts);
      parts.push(htmlHead);
      splice(htmlPieces, escapeHtml(recipient.url), parts);
      parts.push(end);
      if (!scratch) return Buffer.concat(parts);
      const length = parts.reduce((sum, part) => sum + part.length, 0);
      if (scratch.buffer.length < length) scratch.buffer = Buffer.allocUnsafe(Math.ceil(length * 1.25));
      let offset = 0;
      for (const part of parts) offset += part.copy(scratch.buffer, offset);
      return scratch.buffer.subarray(0, length);
    },
  };
}
