import type { AccountsService } from '../accounts/accounts-service.ts';
import type { AuthService } from '../accounts/auth-service.ts';
import type { ImportService } from '../imports/import-service.ts';
import type { LinksService } from '../links/links-service.ts';

type Deps = {
  auth: Pick<AuthService, 'purgeExpired'>;
  accounts: Pick<AccountsService, 'purgeExpiredInvitations'>;
  links: Pick<LinksService, 'purgeDeleted'>;
  imports: Pick<ImportService, 'purgeStale'>;
};

/** Periodic clean-up of rows that have expired: sessions, invitations, rate-limit windows, deleted links, import plans never run. */
export function createMaintenanceService({ auth, accounts, links, imports }: Deps) {
  return {
    async cleanup(): Promise<{ sessions: number; rateLimits: number; invitations: number; links: number; importPlans: number }> {
      const purged = await auth.purgeExpired();
      return { ...purged, invitations: await accounts.purgeExpiredInvitations(), links: await links.purgeDeleted(), importPlans: await imports.purgeStale() };
    },
  };
}
