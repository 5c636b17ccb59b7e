// The reference of the public pages' benchmarks: a bare Fastify server, in a process of its own,
// answering one route with bytes prepared in memory (and their ETag), as fast as Fastify can
// answer anything. Reads the body from BENCH_BODY_FILE and its type from BENCH_BODY_TYPE; sends
// { ready, port } over IPC once listening; stops when its parent goes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

if (!process.send) throw new Error('run this as a child process with an IPC channel');

const body = readFileSync(process.env.BENCH_BODY_FILE!);
const type = process.env.BENCH_BODY_TYPE ?? 'text/html; charset=utf-8';
const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;

const app = Fastify({ logger: false });
app.get('/', (_request, reply) => {
  reply.header('etag', etag).type(type).send(body);
});
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.send({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });
process.on('disconnect', () => process.exit(0));
