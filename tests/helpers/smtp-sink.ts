import type { TestContext } from 'node:test';
import PostalMime, { type Email } from 'postal-mime';
import { SMTPServer } from 'smtp-server';

export type Received = Email & { envelopeTo: string[]; raw: string };

/**
 * A real SMTP server on loopback that keeps what it receives, parsed. `reject` can answer a
 * recipient with an SMTP error (e.g. 451 to try later, 550 for an unknown user). `delayMs` holds
 * back the answer to each message (after it has been kept): a slow server, and a window in which
 * a client that dies has handed over a message without learning that it was accepted.
 */
export async function startSmtpSink(
  t: Pick<TestContext, 'after'>,
  options: { reject?: (recipient: string) => { code: number; message: string } | undefined; delayMs?: number } = {},
) {
  const received: Received[] = [];
  const errors: Error[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Pooled client connections stay open; do not wait for them when the test ends.
    closeTimeout: 50,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      const refusal = options.reject?.(address.address);
      if (!refusal) return callback();
      const error = new Error(refusal.message) as Error & { responseCode: number };
      error.responseCode = refusal.code;
      return callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        void PostalMime.parse(raw).then((email) => {
          received.push({ ...email, envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw });
          if (options.delayMs) setTimeout(callback, options.delayMs);
          else callback();
        }, callback);
      });
    },
  });
  // A client that goes away mid-transaction (a killed process) is reported here; without a listener
  // the 'error' event would end the test process.
  server.on('error', (error: Error) => errors.push(error));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `smtp://127.0.0.1:${port}`, received, errors };
}
