import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import type PostalMime from 'postal-mime';
import { lazyModule } from '../platform/lazy-module.ts';

// Only the development outbox's reader parses messages.
const postalMime = lazyModule<typeof PostalMime>('postal-mime');

/** A mailbox: a display name and an address. */
export type Mailbox = { name: string; address: string };

export type MailMessage = {
  to: string;
  /** Defaults to MAIL_FROM. */
  from?: string | Mailbox;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  messageId?: string;
};

export type SentMail = { messageId: string; response: string };

/** A message already composed (see mime-template.ts), with the SMTP envelope it travels in. */
export type RawMessage = { envelope: { from: string; to: string }; raw: Buffer; messageId: string };

export type RawSendOptions = {
  /**
   * The message is handed over, but its end (the last line of SMTP DATA, after which the server
   * may accept it) waits until this settles; rejected, the message is abandoned with its reason.
   * The connection does its round trips for this message while the caller finishes something.
   */
  holdEndUntil?: Promise<unknown>;
};

/** Sends email; the app never talks to nodemailer except through this. */
export type Mailer = {
  send: (message: MailMessage) => Promise<SentMail>;
  /** Sends a composed message as is (bulk sending builds the MIME once per edition). */
  sendRaw: (message: RawMessage, options?: RawSendOptions) => Promise<SentMail>;
  /** MAIL_FROM, parsed: the sender when the settings name none. */
  defaultFrom: Mailbox;
  close: () => void;
  /** Where messages go, for logs and the admin: an SMTP host or the outbox folder. */
  describe: () => string;
};

export type OutboxEntry = { file: string; to: string; subject: string; date: Date; size: number };

export type DkimOptions = { domainName: string; keySelector: string; privateKey: string };

/** The first mailbox of an address field ("Veille <news@example.org>"). */
export function parseMailbox(value: string): Mailbox {
  const first = addressparser(value, { flatten: true })[0];
  if (!first?.address) throw new Error(`not an email address: ${JSON.stringify(value)}`);
  return { name: first.name, address: first.address };
}

/** The bytes as a stream that ends once `until` settles (or fails with its reason). */
function heldUntil(bytes: Buffer, until: Promise<unknown>): PassThrough {
  const stream = new PassThrough();
  // A message the server refused before its data is no longer read: its abandonment must not
  // become an unhandled error.
  stream.on('error', () => undefined);
  stream.write(bytes);
  until.then(
    () => stream.end(),
    (error: unknown) => stream.destroy(error instanceof Error ? error : new Error(String(error))),
  );
  return stream;
}

/** Sends through an SMTP server (SMTP_URL), with a connection pool; signs with DKIM when configured. */
export function createSmtpMailer(options: { url: string; from: string; maxConnections?: number; dkim?: DkimOptions }): Mailer {
  const url = new URL(options.url);
  if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
  if (!url.searchParams.has('maxConnections')) url.searchParams.set('maxConnections', String(options.maxConnections ?? 5));
  // A pooled connection is closed and opened again after this many messages (nodemailer's default
  // is 100): a bulk send would spend a good part of its time on handshakes.
  if (!url.searchParams.has('maxMessages')) url.searchParams.set('maxMessages', '1000');
  const transport = nodemailer.createTransport(url.toString(), {
    ...(options.dkim
      ? {
          dkim: {
            ...options.dkim,
            // The signature covers what receivers check for one-click unsubscription (RFC 8058).
            headerFieldNames: 'From:Sender:Reply-To:Subject:Date:Message-ID:To:List-Id:List-Unsubscribe:List-Unsubscribe-Post:MIME-Version:Content-Type',
          },
        }
      : {}),
  });
  return {
    async send(message) {
      const info = await transport.sendMail({ ...message, from: message.from ?? options.from });
      return { messageId: info.messageId, response: String(info.response ?? '') };
    },
    async sendRaw(message, { holdEndUntil } = {}) {
      // The DKIM signature, when configured, is added by nodemailer to raw messages too (it reads
      // the whole message first: a held end then holds the whole message).
      const info = await transport.sendMail({
        envelope: { from: message.envelope.from, to: [message.envelope.to] },
        raw: holdEndUntil ? heldUntil(message.raw, holdEndUntil) : message.raw,
      });
      return { messageId: message.messageId, response: String(info.response ?? '') };
    },
    defaultFrom: parseMailbox(options.from),
    close: () => transport.close(),
    describe: () => `SMTP ${new URL(options.url).host}`,
  };
}

/** Writes every message as an .eml file in `directory`: the development default, readable in any mail client. */
export function createOutboxMailer(options: { directory: string; from: string }): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let sequence = 0;
  async function write(content: Buffer): Promise<string> {
    await mkdir(options.directory, { recursive: true });
    sequence = (sequence + 1) % 10_000;
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${String(sequence).padStart(4, '0')}.eml`;
    await writeFile(path.join(options.directory, name), content);
    return name;
  }
  return {
    async send(message) {
      const info = await transport.sendMail({ ...message, from: message.from ?? options.from });
      const name = await write(info.message as Buffer);
      return { messageId: info.messageId, response: `written to ${name}` };
    },
    async sendRaw(message, { holdEndUntil } = {}) {
      await holdEndUntil;
      const name = await write(message.raw);
      return { messageId: message.messageId, response: `written to ${name}` };
    },
    defaultFrom: parseMailbox(options.from),
    close: () => undefined,
    describe: () => `outbox ${options.directory}`,
  };
}

/** The messages in an outbox folder, newest first, with their envelope read from the headers. */
export async function listOutbox(directory: string, limit = 200): Promise<OutboxEntry[]> {
  const names = await readdir(directory).catch(() => [] as string[]);
  const files = names
    .filter((name) => name.endsWith('.eml'))
    .sort()
    .reverse()
    .slice(0, limit);
  return Promise.all(
    files.map(async (file) => {
      const full = path.join(directory, file);
      const [raw, info] = await Promise.all([readFile(full, 'utf8'), stat(full)]);
      const content = raw.replace(/\r\n/g, '\n');
      const head = content.slice(0, content.indexOf('\n\n') === -1 ? undefined : content.indexOf('\n\n')).replace(/\n[ \t]+/g, ' ');
      const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
      return { file, to: header('To'), subject: decodeMimeWords(header('Subject')), date: info.mtime, size: info.size };
    }),
  );
}

/** One message of the outbox, parsed; undefined when the name is not an outbox file. */
export async function readOutboxMessage(directory: string, file: string) {
  const raw = await readOutboxFile(directory, file);
  if (!raw) return undefined;
  const parsed = await postalMime().parse(raw);
  return {
    file,
    from: parsed.from ? `${parsed.from.name ? `${parsed.from.name} ` : ''}<${parsed.from.address ?? ''}>` : '',
    to: (parsed.to ?? []).map((entry) => entry.address ?? '').join(', '),
    subject: parsed.subject ?? '',
    date: parsed.date ?? '',
    headers: parsed.headers.map((header) => ({ key: header.key, value: header.value })),
    text: parsed.text ?? '',
    html: parsed.html,
  };
}

/** The bytes of one .eml file of the outbox; undefined for a name that is not one of its files. */
export async function readOutboxFile(directory: string, file: string): Promise<Buffer | undefined> {
  // A file name of the outbox's own making: no separator, so nothing outside the folder.
  if (!/^[\w.-]+\.eml$/.test(file)) return undefined;
  return readFile(path.join(directory, file)).catch(() => undefined);
}

/** Decodes RFC 2047 encoded words (=?UTF-8?Q?...?= and =?UTF-8?B?...?=) in a header value. */
export function decodeMimeWords(value: string): string {
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_match, _charset: string, encoding: string, text: string) => {
    if (encoding.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
    const bytes = text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  });
}
