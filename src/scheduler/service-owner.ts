// Who a scheduled service's run acts as: its owner with the rights the owner has now.
import type { Identity } from '../auth/identity.js';
import type { IdentityService } from '../auth/identity-service.js';
import type { ServiceRecord } from '../store/service-store.js';
import { ownerIdentity } from './scheduler.js';

/**
 * The owner of a service as it stands now: a user (`user:<name>`) who was deleted or disabled is
 * no owner (null), and one who lost the admin role runs without it. Other subjects (OIDC) are
 * taken as recorded: there is no account here to look at.
 */
export function currentServiceOwner(
  identities: Pick<IdentityService, 'getUser'>,
  recorded: ServiceRecord['owner'],
): Identity | null {
  if (!recorded.id.startsWith('user:')) return ownerIdentity(recorded);
  const user = identities.getUser(recorded.id.slice('user:'.length));
  if (user === null || user.disabled) return null;
  return ownerIdentity({ ...recorded, admin: recorded.admin && user.roles.includes('admin') });
}
