import type { Database } from '../../db/client.ts';
import { createApiTokensRepository } from '../../db/repositories/api-tokens-repository.ts';
import { createCategoriesRepository } from '../../db/repositories/categories-repository.ts';
import { createEditionImportsRepository } from '../../db/repositories/edition-imports-repository.ts';
import { createEditionsRepository } from '../../db/repositories/editions-repository.ts';
import { createSendsRepository } from '../../db/repositories/sends-repository.ts';
import { createSubscribersRepository } from '../../db/repositories/subscribers-repository.ts';
import { createLinksRepository } from '../../db/repositories/links-repository.ts';
import { createLinkStatsRepository } from '../../db/repositories/link-stats-repository.ts';
import { createLinkChecksRepository } from '../../db/repositories/link-checks-repository.ts';
import { createLinkHealthRepository } from '../../db/repositories/link-health-repository.ts';
import { createClicksRepository } from '../../db/repositories/clicks-repository.ts';
import { createInvitationsRepository } from '../../db/repositories/invitations-repository.ts';
import { createRateLimitsRepository } from '../../db/repositories/rate-limits-repository.ts';
import { createSessionsRepository } from '../../db/repositories/sessions-repository.ts';
import { createSettingsRepository } from '../../db/repositories/settings-repository.ts';
import { createUsersRepository } from '../../db/repositories/users-repository.ts';
import { createWebhooksRepository } from '../../db/repositories/webhooks-repository.ts';
import { createAccountsService } from '../domain/accounts/accounts-service.ts';
import { createAuthService } from '../domain/accounts/auth-service.ts';
import { createCategoriesService } from '../domain/categories/categories-service.ts';
import { createDeliveryService } from '../domain/delivery/delivery-service.ts';
import { createEditionsService, type EditionsService } from '../domain/editions/editions-service.ts';
import { createExportService } from '../domain/exports/export-service.ts';
import { createImportService } from '../domain/imports/import-service.ts';
import { createLinkCheckService, type LinkCheckService, type PageFetcher } from '../domain/links/link-check-service.ts';
import { createLinkHealthService, type LinkHealthTuning } from '../domain/links/link-health-service.ts';
import { createClicksService } from '../domain/clicks/clicks-service.ts';
import { createLinksService } from '../domain/links/links-service.ts';
import type { Clock } from '../domain/platform/clock.ts';
import type { Config } from './config.ts';
import path from 'node:path';
import type { Mailer } from '../domain/mail/mailer.ts';
import { createHealthService } from '../domain/platform/health-service.ts';
import { createMaintenanceService } from '../domain/platform/maintenance-service.ts';
import { createOutboxService } from '../domain/mail/outbox-service.ts';
import type { Queue } from '../domain/platform/queue.ts';
import type { ChangeFeed } from '../domain/platform/changes.ts';
import { createSettingsService, type SettingsService } from '../domain/editions/settings-service.ts';
import type { ClicksService } from '../domain/clicks/clicks-service.ts';
import { createSubscribersService } from '../domain/subscribers/subscribers-service.ts';
import { fetchPageMetadata } from '../domain/links/url-metadata.ts';
import type { EventSink } from '../domain/webhooks/webhook-events.ts';
import { createWebhooksService } from '../domain/webhooks/webhooks-service.ts';
import { createBouncesService } from '../domain/bounces/bounces-service.ts';

export type ServiceDeps = {
  db: Database;
  /** Answers when the database does; the health check calls it. */
  ping: () => Promise<void>;
  /** The database's notices of changes to what the public site shows (the web process's page cache follows them). */
  changes: ChangeFeed;
  mailer: Mailer;
  queue: Queue;
  clock: Clock;
  config: Pick<
    Config,
    | 'publicUrl'
    | 'sessionSecret'
    | 'dataDir'
    | 'fetchAllowPrivate'
    | 'sendConcurrency'
    | 'sendRatePerSecond'
    | 'linkHealthPerHour'
    | 'bounces'
    | 'webhookRetrySeconds'
  >;
  /** How the link checks (before sending, and the archive's) load a URL; by default the SSRF-safe fetcher with the configuration's rules. */
  fetchPage?: PageFetcher;
  /** The archive's link health job's pace, when not the production one (tests). */
  linkHealth?: Partial<LinkHealthTuning>;
};

/** Every repository over the database: the only objects that speak SQL. */
export function createRepositories(db: Database) {
  return {
    users: createUsersRepository(db),
    sessions: createSessionsRepository(db),
    apiTokens: createApiTokensRepository(db),
    invitations: createInvitationsRepository(db),
    rateLimits: createRateLimitsRepository(db),
    settings: createSettingsRepository(db),
    categories: createCategoriesRepository(db),
    links: createLinksRepository(db),
    linkStats: createLinkStatsRepository(db),
    editions: createEditionsRepository(db),
    subscribers: createSubscribersRepository(db),
    sends: createSendsRepository(db),
    linkChecks: createLinkChecksRepository(db),
    linkHealth: createLinkHealthRepository(db),
    clicks: createClicksRepository(db),
    editionImports: createEditionImportsRepository(db),
    webhooks: createWebhooksRepository(db),
  };
}

/** What each feature's factory below is given: the process's dependencies and the repositories. */
type Wiring = ServiceDeps & { repositories: ReturnType<typeof createRepositories> };

/** Collecting links: categories and links (the link tree every feature moves links through). */
function linksFeature({ db, repositories, queue, clock, config }: Wiring) {
  const categories = createCategoriesService({ db, categories: repositories.categories, clock });
  const links = createLinksService({
    db,
    links: repositories.links,
    stats: repositories.linkStats,
    categories,
    queue,
    clock,
    fetchAllowPrivate: config.fetchAllowPrivate,
  });
  return { categories, links };
}

/**
 * Editions, the newsletter's settings they are written with, the check of an edition's links
 * before it is sent and the archive's health checks after (one fetcher for both).
 */
function editionsFeature(
  { db, repositories, queue, clock, config, fetchPage, linkHealth: tuning, changes }: Wiring,
  { links, categories, events }: Pick<LinksFeature, 'links' | 'categories'> & { events: EventSink },
) {
  const settings = createSettingsService({ settings: repositories.settings, changes });
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
    events,
  });
  const fetcher: PageFetcher = fetchPage ?? ((url) => fetchPageMetadata(url, { allowPrivate: config.fetchAllowPrivate }));
  const linkCheck = createLinkCheckService({ db, linkChecks: repositories.linkChecks, editions, queue, clock, fetchPage: fetcher });
  const linkHealth = createLinkHealthService({
    db,
    linkHealth: repositories.linkHealth,
    editions,
    links,
    clock,
    fetchPage: fetcher,
    tuning: { perHour: config.linkHealthPerHour, ...tuning },
  });
  return { settings, editions, linkCheck, linkHealth };
}

/** Counting the clicks of the emails' links, and the stats they give. */
function clicksFeature({ db, repositories, clock, config }: Wiring, { settings, editions }: { settings: SettingsService; editions: EditionsService }) {
  return createClicksService({ db, clicks: repositories.clicks, editions, settings, clock, publicUrl: config.publicUrl, secret: config.sessionSecret });
}

/** Sign-in, sessions and API tokens; the team's accounts and invitations. */
function accountsFeature({ db, repositories, mailer, clock, config }: Wiring, { settings }: { settings: SettingsService }) {
  const auth = createAuthService({ db, ...repositories, clock, secret: config.sessionSecret });
  const accounts = createAccountsService({
    db,
    users: repositories.users,
    invitations: repositories.invitations,
    sessions: repositories.sessions,
    apiTokens: repositories.apiTokens,
    mailer,
    clock,
    publicUrl: config.publicUrl,
    newsletterName: async () => (await settings.get()).newsletterName,
  });
  return { auth, accounts };
}

/** Readers and sending them editions. */
function readersFeature(
  { db, repositories, mailer, queue, clock, config }: Wiring,
  {
    settings,
    editions,
    clicks,
    linkCheck,
    events,
  }: { settings: SettingsService; editions: EditionsService; clicks: ClicksService; linkCheck: LinkCheckService; events: EventSink },
) {
  const subscribers = createSubscribersService({
    db,
    subscribers: repositories.subscribers,
    rateLimits: repositories.rateLimits,
    settings,
    queue,
    clock,
    publicUrl: config.publicUrl,
    secret: config.sessionSecret,
    events,
  });
  const delivery = createDeliveryService({
    db,
    sends: repositories.sends,
    subscribers,
    editions,
    settings,
    clicks,
    mailer,
    queue,
    clock,
    publicUrl: config.publicUrl,
    concurrency: config.sendConcurrency,
    ratePerSecond: config.sendRatePerSecond,
    linkCheck,
    softBounceLimit: config.bounces.softBounceLimit,
    events,
  });
  const bounces = createBouncesService({
    config: config.bounces,
    publicUrl: config.publicUrl,
    allowPrivate: config.fetchAllowPrivate,
    subscribers,
    delivery,
    rateLimits: repositories.rateLimits,
    clock,
  });
  return { subscribers, delivery, bounces };
}

/** The outgoing webhooks: the services announce events through them. */
function webhooksFeature({ repositories, queue, clock, config }: Wiring) {
  return createWebhooksService({
    webhooks: repositories.webhooks,
    queue,
    clock,
    publicUrl: config.publicUrl,
    allowPrivate: config.fetchAllowPrivate,
    retryDelaySeconds: config.webhookRetrySeconds,
  });
}

/** Moving the whole newsletter in and out, through the other features' services. */
function movingFeature({ db, repositories, queue, clock, config }: Wiring, others: MovingDeps) {
  const { settings, editions, categories, links, subscribers, accounts } = others;
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
  const exports = createExportService({ editions, links, categories, subscribers, settings, clock });
  return { imports, exports };
}

/** What keeps the app running: the periodic clean-up, the development outbox, the health check. */
function platformFeature({ ping, config }: Wiring, services: Parameters<typeof createMaintenanceService>[0]) {
  const maintenance = createMaintenanceService(services);
  const outbox = createOutboxService({ directory: path.join(config.dataDir, 'outbox') });
  return { maintenance, outbox, health: createHealthService({ ping }) };
}

type LinksFeature = ReturnType<typeof linksFeature>;
type MovingDeps = Pick<LinksFeature, 'links' | 'categories'> & { settings: SettingsService; editions: EditionsService } & Pick<
    ReturnType<typeof readersFeature>,
    'subscribers'
  > &
  Pick<ReturnType<typeof accountsFeature>, 'accounts'>;

/**
 * Builds every service from its repositories: the one place the domain is wired. Each feature's
 * factory names what it needs from the others.
 */
export function createServices(deps: ServiceDeps) {
  const wiring: Wiring = { ...deps, repositories: createRepositories(deps.db) };
  const webhooks = webhooksFeature(wiring);
  const { categories, links } = linksFeature(wiring);
  const { settings, editions, linkCheck, linkHealth } = editionsFeature(wiring, { links, categories, events: webhooks });
  const clicks = clicksFeature(wiring, { settings, editions });
  const { auth, accounts } = accountsFeature(wiring, { settings });
  const { subscribers, delivery, bounces } = readersFeature(wiring, { settings, editions, clicks, linkCheck, events: webhooks });
  const { imports, exports } = movingFeature(wiring, { settings, editions, categories, links, subscribers, accounts });
  const { maintenance, outbox, health } = platformFeature(wiring, { auth, accounts, links, imports, linkHealth, clicks, webhooks });
  const { mailer, queue, clock, changes } = deps;
  return {
    auth,
    accounts,
    settings,
    categories,
    links,
    editions,
    subscribers,
    delivery,
    bounces,
    linkCheck,
    linkHealth,
    clicks,
    maintenance,
    exports,
    imports,
    mailer,
    outbox,
    queue,
    clock,
    health,
    changes,
    webhooks,
  };
}

export type Services = ReturnType<typeof createServices>;
