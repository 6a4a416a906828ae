import { OutboxMessage } from '../../src/mail/entities/outbox-message.entity';
import type { TestApp } from './test-app';

export function outboxFor(t: TestApp, to: string): Promise<OutboxMessage[]> {
  return t.db.manager.find(OutboxMessage, { where: { to }, order: { id: 'ASC' } });
}

export async function lastMailTo(t: TestApp, to: string): Promise<OutboxMessage> {
  const all = await outboxFor(t, to);
  if (!all.length) throw new Error(`no mail to ${to}`);
  return all[all.length - 1];
}

export function linkIn(text: string, pathPrefix: string): string {
  const m = new RegExp(`https?://[^\\s"]+${pathPrefix.replace(/\//g, '\\/')}[^\\s"<]*`).exec(text);
  if (!m) throw new Error(`no ${pathPrefix} link in:\n${text}`);
  return new URL(m[0]).pathname;
}
