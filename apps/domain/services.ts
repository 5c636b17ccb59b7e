import type { Database } from '../../db/client.ts';
import { createApiTokensRepository } from '../../db/repositories/api-tokens-repository.ts';
import { createInvitationsRepository } from '../../db/repositories/invitations-repository.ts';
import { createRateLimitsRepository } from '../../db/repositories/rate-limits-repository.ts';
import { createSessionsRepository } from '../../db/repositories/sessions-repository.ts';
import { createSettingsRepository } from '../../db/repositories/settings-repository.ts';
import { createUsersRepository } from '../../db/repositories/users-repository.ts';
import { createAccountsService } from './accounts-service.ts';
import { createAuthService } from './auth-service.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import path from 'node:path';
import { listOutbox, readOutboxMessage, type Mailer } from './mailer.ts';
import { createMaintenanceService } from './maintenance-service.ts';
import type { Queue } from './queue.ts';
import { createSettingsService } from './settings-service.ts';

export type ServiceDeps = {
  db: Database;
  /** Answers when the database does; the health check calls it. */
  ping: () => Promise<void>;
  mailer: Mailer;
  queue: Queue;
  clock: Clock;
  config: Pick<Config, 'publicUrl' | 'sessionSecret' | 'dataDir'>;
};

/** Builds every service from its repositories: the one place the domain is wired. */
export function createServices({ db, ping, mailer, queue, clock, config }: ServiceDeps) {
  const repositories = {
    users: createUsersRepository(db),
    sessions: createSessionsRepository(db),
    apiTokens: createApiTokensRepository(db),
    invitations: createInvitationsRepository(db),
    rateLimits: createRateLimitsRepository(db),
    settings: createSettingsRepository(db),
  };
  const settings = createSettingsService({ settings: repositories.settings });
  const auth = createAuthService({ ...repositories, clock, secret: config.sessionSecret });
  const accounts = createAccountsService({
    db,
    users: repositories.users,
    invitations: repositories.invitations,
    mailer,
    clock,
    publicUrl: config.publicUrl,
    newsletterName: async () => (await settings.get()).newsletterName,
  });
  const maintenance = createMaintenanceService({ auth, accounts });
  const outboxDir = path.join(config.dataDir, 'outbox');
  const outbox = { directory: outboxDir, list: () => listOutbox(outboxDir), read: (file: string) => readOutboxMessage(outboxDir, file) };
  return { auth, accounts, settings, maintenance, mailer, outbox, queue, clock, health: { check: ping } };
}

export type Services = ReturnType<typeof createServices>;
