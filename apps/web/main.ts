import { createLogger } from '../bootstrap/logger.ts';
import { loadConfigOrExit, onShutdownSignal } from '../bootstrap/process.ts';
import { startRuntime } from '../bootstrap/runtime.ts';
import { startWorker, type Worker } from '../worker/worker.ts';
import { buildApp } from './app.ts';

const config = loadConfigOrExit();
const log = createLogger(config);

const runtime = await startRuntime(config, log, { worker: config.runWorker }).catch((error: unknown) => {
  log.fatal({ err: error }, 'Veille could not start');
  setTimeout(() => process.exit(1), 200);
  return new Promise<never>(() => undefined);
});

try {
  const app = await buildApp(runtime.services, config, { logger: log.child({ component: 'web' }) });
  const worker: Worker | undefined = config.runWorker ? await startWorker({ services: runtime.services, log: log.child({ component: 'worker' }) }) : undefined;

  onShutdownSignal(log, 'Veille', async () => {
    // Stop taking requests and let in-flight ones finish, then stop jobs, then the database.
    await app.close();
    log.info('web server closed');
    await worker?.stop();
    await runtime.close();
  });

  await app.listen({ port: config.port, host: config.host });
  log.info(
    `Veille is ready on ${config.publicUrl} (listening on ${config.host}:${config.port}, ${Math.round(performance.now())} ms after the process started)`,
  );
} catch (error) {
  log.fatal({ err: error }, 'Veille could not start');
  await runtime.close();
  // Give the log transport a moment to flush before the process ends.
  setTimeout(() => process.exit(1), 200);
}
