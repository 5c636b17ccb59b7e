// Baseline figures for the app's cheapest and most common answers: the health check and the
// sign-in page (a full eta render with the settings read).
import { measure, report, startBenchApp } from './harness.ts';

const bench = await startBenchApp();
try {
  await bench.runtime.services.accounts.setUpOwner({ name: 'Bench', email: 'bench@example.org', password: 'bench passphrase long enough' });
  const health = await measure('GET /healthz', { url: `${bench.baseUrl}/healthz` });
  const login = await measure('GET /login', { url: `${bench.baseUrl}/login` });
  report([health, login], health);
} finally {
  await bench.close();
}
