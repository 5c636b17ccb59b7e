import type { Database } from '../../db/client.ts';
import { createApiTokensRepository } from '../../db/repositories/api-tokens-repository.ts';
import { createCategoriesRepository } from '../../db/repositories/categories-repository.ts';
import { createEditionImportsRepository } from '../../db/repositories/edition-imports-repository.ts';
import { createEditionsRepository } from '../../db/repositories/editions-repository.ts';
import { createSendsRepository } from '../../db/repositories/sends-repository.ts';
import { createSubscribersRepository } from '../../db/repositories/subscribers-repository.ts';
import { createLinksRepository } from '../../db/repositories/links-repository.ts';
import { createLinkChecksRepository } from '../../db/repositories/link-checks-repository.ts';
import { createInvitationsRepository } from '../../db/repositories/invitations-repository.ts';
import { createRateLimitsRepository } from '../../db/repositories/rate-limits-repository.ts';
import { createSessionsRepository } from '../../db/repositories/sessions-repository.ts';
import { createSettingsRepository } from '../../db/repositories/settings-repository.ts';
import { createUsersRepository } from '../../db/repositories/users-repository.ts';
import { createAccountsService } from '../domain/accounts/accounts-service.ts';
import { createAuthService } from '../domain/accounts/auth-service.ts';
import { createCategoriesService } from '../domain/categories/categories-service.ts';
import { createDeliveryService } from '../domain/delivery/delivery-service.ts';
import { createEditionsService } from '../domain/editions/editions-service.ts';
import { createExportService } from '../domain/exports/export-service.ts';
import { createImportService } from '../domain/imports/import-service.ts';
import { createLinkCheckService, type PageFetcher } from '../domain/links/link-check-service.ts';
import { createLinksService } from '../domain/links/links-service.ts';
import type { Clock } from '../domain/platform/clock.ts';
import type { Config } from './config.ts';
import path from 'node:path';
import type { Mailer } from '../domain/mail/mailer.ts';
import { createMaintenanceService } from '../domain/platform/maintenance-service.ts';
import { createOutboxService } from '../domain/mail/outbox-service.ts';
import type { Queue } from '../domain/platform/queue.ts';
import { createSettingsService } from '../domain/editions/settings-service.ts';
import { createSubscribersService } from '../domain/subscribers/subscribers-service.ts';
import { fetchPageMetadata } from '../domain/links/url-metadata.ts';

export type ServiceDeps = {
  db: Database;
  /** Answers when the database does; the health check calls it. */
  ping: () => Promise<void>;
  mailer: Mailer;
  queue: Queue;
  clock: Clock;
  config: Pick<Config, 'publicUrl' | 'sessionSecret' | 'dataDir' | 'fetchAllowPrivate' | 'sendConcurrency' | 'sendRatePerSecond'>;
  /** How the pre-send link check loads a URL; by default the SSRF-safe fetcher with the configuration's rules. */
  fetchPage?: PageFetcher;
};

/** Builds every service from its repositories: the one place the domain is wired. */
export function createServices({ db, ping, mailer, queue, clock, config, fetchPage }: ServiceDeps) {
  const repositories = {
    users: createUsersRepository(db),
    sessions: createSessionsRepository(db),
    apiTokens: createApiTokensRepository(db),
    invitations: createInvitationsRepository(db),
    rateLimits: createRateLimitsRepository(db),
    settings: createSettingsRepository(db),
    categories: createCategoriesRepository(db),
    links: createLinksRepository(db),
    editions: createEditionsRepository(db),
    subscribers: createSubscribersRepository(db),
    sends: createSendsRepository(db),
    linkChecks: createLinkChecksRepository(db),
    editionImports: createEditionImportsRepository(db),
  };
  const settings = createSettingsService({ settings: repositories.settings });
  const auth = createAuthService({ db, ...repositories, clock, secret: config.sessionSecret });
  const accounts = createAccountsService({
    db,
    users: repositories.users,
    invitations: repositories.invitations,
    apiTokens: repositories.apiTokens,
    mailer,
    clock,
    publicUrl: config.publicUrl,
    newsletterName: async () => (await settings.get()).newsletterName,
  });
  const categories = createCategoriesService({ db, categories: repositories.categories, clock });
  const links = createLinksService({ db, links: repositories.links, categories, queue, clock, fetchAllowPrivate: config.fetchAllowPrivate });
  const editions = createEditionsService({
    db,
    editions: repositories.editions,
    links: repositories.links,
    categories: repositories.categories,
    settings,
    clock,
    publicUrl: config.publicUrl,
    linkTree: links,
    categoryNames: categories,
  });
  const subscribers = createSubscribersService({
    db,
    subscribers: repositories.subscribers,
    rateLimits: repositories.rateLimits,
    settings,
    queue,
    clock,
    publicUrl: config.publicUrl,
    secret: config.sessionSecret,
  });
  const delivery = createDeliveryService({
    db,
    sends: repositories.sends,
    subscribersRepository: repositories.subscribers,
    subscribers,
    editions,
    settings,
    mailer,
    queue,
    clock,
    publicUrl: config.publicUrl,
    concurrency: config.sendConcurrency,
    ratePerSecond: config.sendRatePerSecond,
  });
  const linkCheck = createLinkCheckService({
    db,
    linkChecks: repositories.linkChecks,
    editions,
    queue,
    clock,
    fetchPage: fetchPage ?? ((url) => fetchPageMetadata(url, { allowPrivate: config.fetchAllowPrivate })),
  });
  const imports = createImportService({
    db,
    imports: repositories.editionImports,
    editions,
    categories,
    links,
    subscribers,
    accounts,
    settings,
    queue,
    clock,
    fetchAllowPrivate: config.fetchAllowPrivate,
  });
  const maintenance = createMaintenanceService({ auth, accounts, links, imports });
  const exports = createExportService({ editions, links, categories, subscribers, settings, clock });
  const outbox = createOutboxService({ directory: path.join(config.dataDir, 'outbox') });
  return { auth, accounts, settings, categories, links, editions, subscribers, delivery, linkCheck, maintenance, exports, imports, mailer, outbox, queue, clock, health: { check: ping } };
}

export type Services = ReturnType<typeof createServices>;
