import type { Actor } from '../audit/actor';
import type { RequestContext } from '../common/http/request-context';
import type { OffboardingActor } from './offboarding.contract';

/** The actor with the role the approval rule asks about: a logged-in user's own, an API key's is admin. */
export function offboardingActor(actor: Actor, ctx: RequestContext): OffboardingActor {
  return { ...actor, role: ctx.user ? ctx.user.role : 'admin' };
}
