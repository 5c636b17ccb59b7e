// A loopback SMTP server that accepts every message and counts them, run as a child process of a
// benchmark (its CPU and memory stay out of the sender's figures). Talks to its parent over IPC:
// sends { ready, port } once listening, answers { count } with { count, bytes }, stops on { stop }.
import { SMTPServer } from 'smtp-server';

if (!process.send) throw new Error('run this as a child process with an IPC channel');

let messages = 0;
let bytes = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  logger: false,
  maxClients: 1000,
  onData(stream, _session, callback) {
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    stream.on('end', () => {
      messages++;
      callback();
    });
  },
});
server.on('error', (error) => process.stderr.write(`smtp sink: ${error.message}\n`));

server.listen(Number(process.env.SINK_PORT ?? 0), '127.0.0.1', () => {
  const address = server.server.address();
  process.send!({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });
});

process.on('message', (message: { count?: boolean; stop?: boolean }) => {
  if (message.count) process.send!({ count: messages, bytes });
  if (message.stop) server.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
