import { createLogger } from '../bootstrap/logger.ts';
import { loadConfigOrExit, onShutdownSignal } from '../bootstrap/process.ts';
import { startRuntime } from '../bootstrap/runtime.ts';
import { startWorker } from './worker.ts';

// The worker on its own, for deployments that run it apart from the web process.
const config = loadConfigOrExit();
const log = createLogger(config).child({ component: 'worker' });

try {
  const runtime = await startRuntime(config, log, { worker: true });
  const worker = await startWorker({ services: runtime.services, log });
  onShutdownSignal(log, 'the worker', async () => {
    await worker.stop();
    await runtime.close();
  });
} catch (error) {
  log.fatal({ err: error }, 'the worker could not start');
  setTimeout(() => process.exit(1), 200).unref();
}
