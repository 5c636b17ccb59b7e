import type { AccountsService } from './accounts-service.ts';
import type { AuthService } from './auth-service.ts';

/** Periodic clean-up of rows that have expired: sessions, invitations, rate-limit windows. */
export function createMaintenanceService({ auth, accounts }: { auth: Pick<AuthService, 'purgeExpired'>; accounts: Pick<AccountsService, 'purgeExpiredInvitations'> }) {
  return {
    async cleanup(): Promise<{ sessions: number; rateLimits: number; invitations: number }> {
      const purged = await auth.purgeExpired();
      return { ...purged, invitations: await accounts.purgeExpiredInvitations() };
    },
  };
}
