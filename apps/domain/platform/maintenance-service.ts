import type { AccountsService } from '../accounts/accounts-service.ts';
import type { AuthService } from '../accounts/auth-service.ts';
import type { ImportService } from '../imports/import-service.ts';
import type { LinksService } from '../links/links-service.ts';
import type { WebhooksService } from '../webhooks/webhooks-service.ts';

type Deps = {
  auth: Pick<AuthService, 'purgeExpired'>;
  accounts: Pick<AccountsService, 'purgeExpiredInvitations'>;
  links: Pick<LinksService, 'purgeDeleted'>;
  imports: Pick<ImportService, 'purgeStale'>;
  webhooks: Pick<WebhooksService, 'maintain'>;
};

/**
 * Periodic clean-up of rows that have expired: sessions, invitations, rate-limit windows, deleted
 * links, import plans never run, old webhook deliveries (and those whose job was lost, queued again).
 */
export function createMaintenanceService({ auth, accounts, links, imports, webhooks }: Deps) {
  return {
    async cleanup() {
      const purged = await auth.purgeExpired();
      const hooks = await webhooks.maintain();
      return {
        ...purged,
        invitations: await accounts.purgeExpiredInvitations(),
        links: await links.purgeDeleted(),
        importPlans: await imports.purgeStale(),
        webhookDeliveries: hooks.purged,
        webhookDeliveriesRequeued: hooks.requeued,
      };
    },
  };
}
