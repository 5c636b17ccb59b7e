import type { AccountsService } from '../accounts/accounts-service.ts';
import type { AuthService } from '../accounts/auth-service.ts';
import type { ImportService } from '../imports/import-service.ts';
import type { LinksService } from '../links/links-service.ts';
import type { LinkHealthService } from '../links/link-health-service.ts';
import type { ClicksService } from '../clicks/clicks-service.ts';
import type { WebhooksService } from '../webhooks/webhooks-service.ts';

type Deps = {
  auth: Pick<AuthService, 'purgeExpired'>;
  accounts: Pick<AccountsService, 'purgeExpiredInvitations'>;
  links: Pick<LinksService, 'purgeDeleted'>;
  imports: Pick<ImportService, 'purgeStale'>;
  linkHealth: Pick<LinkHealthService, 'purgeHistory'>;
  clicks: Pick<ClicksService, 'forget'>;
  webhooks: Pick<WebhooksService, 'maintain'>;
};

/**
 * Periodic clean-up of rows that have expired: sessions, invitations, rate-limit windows, deleted
 * links, import plans never run, old link health checks, remembered clicks, old webhook deliveries
 * (and those whose job was lost, queued again).
 */
export function createMaintenanceService({ auth, accounts, links, imports, linkHealth, clicks, webhooks }: Deps) {
  return {
    async cleanup(): Promise<{
      sessions: number;
      rateLimits: number;
      invitations: number;
      links: number;
      importPlans: number;
      linkChecks: number;
      clicks: number;
      webhookDeliveries: number;
      webhookDeliveriesRequeued: number;
    }> {
      const purged = await auth.purgeExpired();
      const hooks = await webhooks.maintain();
      return {
        ...purged,
        invitations: await accounts.purgeExpiredInvitations(),
        links: await links.purgeDeleted(),
        importPlans: await imports.purgeStale(),
        linkChecks: await linkHealth.purgeHistory(),
        clicks: await clicks.forget(),
        webhookDeliveries: hooks.purged,
        webhookDeliveriesRequeued: hooks.requeued,
      };
    },
  };
}
