/** Who did something: a logged-in user, an API key, or the system itself (jobs, webhooks). */
export interface Actor {
  userId: number | null;
  label: string;
  ip: string;
}

export const SYSTEM_ACTOR: Actor = { userId: null, label: 'system', ip: '' };
