/**
 * Every action the audit log records. `AuditRecord.action` is typed by this list, so an action cannot be
 * recorded without being here; src/i18n/catalogue.spec.ts then fails until it has a sentence in both languages
 * (`audit.action.<action>` in views/i18n/<locale>/audit.json).
 */
export const AUDIT_ACTIONS = [
  'api_key.create',
  'api_key.revoke',
  'auth.login',
  'auth.password_changed',
  'auth.sessions_ended',
  'campaign.cancel',
  'campaign.create',
  'campaign.pause',
  'campaign.requeue_unknown',
  'campaign.resume',
  'campaign.schedule',
  'campaign.schedule_failed',
  'campaign.send',
  'campaign.test_send',
  'campaign.unschedule',
  'campaign.update',
  'client.create',
  'client.label_add',
  'client.label_remove',
  'client.note_add',
  'client.welcome_sent',
  'clients.import',
  'file.delete',
  'file.upload',
  'grant.create',
  'grant.extend',
  'grant.revoke',
  'keys.batch_created',
  'keys.disabled',
  'keys.redeemed',
  'lesson.create',
  'lesson.delete',
  'lesson.move',
  'lesson.update',
  'mailing.export',
  'mailing.import',
  'mailing_list.archive',
  'mailing_list.create',
  'mailing_list.subscribers_added',
  'mailing_list.unarchive',
  'mailing_list.update',
  'order.paid',
  'order.refunded',
  'refund.failed',
  'refund.requested',
  'refund.succeeded',
  'product.cover_remove',
  'product.cover_set',
  'product.create',
  'product.update',
  'section.create',
  'section.delete',
  'section.move',
  'section.update',
  'settings.updated',
  'setup.owner_created',
  'subscriber.add_to_list',
  'subscriber.remove_from_list',
  'subscriber.suppress',
  'subscriber.unsuppress',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The campaign status moves recorded as `campaign.<move>`. */
export type CampaignMove = 'schedule' | 'unschedule' | 'pause' | 'resume' | 'cancel';

/** What an audit entry can be about; the audit page filters by these (labels under `subject_types.*`). */
export const SUBJECT_TYPES = ['access_key', 'api_key', 'campaign', 'client', 'mailing_list', 'product', 'subscriber', 'user'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];
