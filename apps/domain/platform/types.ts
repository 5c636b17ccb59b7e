// The plain objects services hand to the web layer, which must not import db/ itself.
export type { User, Role } from '../../../db/repositories/users-repository.ts';
export type { ApiToken } from '../../../db/repositories/api-tokens-repository.ts';
export type { Invitation } from '../../../db/repositories/invitations-repository.ts';
