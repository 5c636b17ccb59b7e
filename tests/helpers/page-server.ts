import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export type TestPage = { body: string | Buffer; type?: string; hold?: Promise<void>; status?: number; headers?: Record<string, string> };

/** A local web site for fetch tests: serves `pages` by path on 127.0.0.1 (200 unless a page says otherwise, 404 for other paths); `hits` lists the paths asked for. */
export async function startPageServer(t: Pick<TestContext, 'after'>, pages: Record<string, TestPage>) {
  const hits: string[] = [];
  const server = http.createServer((request, response) => {
    hits.push(request.url ?? '/');
    const page = pages[request.url ?? '/'];
    if (!page) return void response.writeHead(404).end();
    // `hold` keeps the answer back until the test releases it (a slow page).
    void (page.hold ?? Promise.resolve()).then(() =>
      response.writeHead(page.status ?? 200, { 'content-type': page.type ?? 'text/html; charset=utf-8', ...page.headers }).end(page.body),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A page still held open must not keep the test waiting.
        server.closeAllConnections();
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return { origin: `http://127.0.0.1:${port}`, port, hits };
}
