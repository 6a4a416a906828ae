import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import * as fs from 'node:fs';
import type { Attachment } from 'mailparser';
import { EntityManager } from 'typeorm';
import { isEmail, normaliseEmail } from '../../common/email';
import { APP_CONFIG, AppConfig, Locale } from '../../config/config';
import { Database } from '../../database/database.service';
import { translate } from '../../i18n/i18n';
import { AddressTokens, InboundAddress } from '../../inbound/address-tokens';
import { InboundRegistry } from '../../inbound/inbound-registry';
import { accept, InboundHandler, InboundMail, InboundOutcome, InboundRefusal, refuse } from '../../inbound/inbound.types';
import { SettingsService } from '../../settings/settings.service';
import { UsersRepository } from '../../users/users.repository';
import { Ticket, TicketAttachment } from '../entities/ticket.entity';
import { cleanFileName } from '../../common/form-upload';
import { TICKET_BODY_MAX, TICKET_FILES_MAX, TicketAttachments, TicketUpload } from '../ticket-attachments';
import { TicketMailer } from '../ticket-mail';
import { TicketsRepository } from '../tickets.repository';
import { MessageAuthor, sizeLabel, TicketsService } from '../tickets.service';
import { extractReply } from './reply-text';
import { BanCheck } from '../../bans/ban-check';

/**
 * How long a reply address is honoured. Long: people answer a year-old ticket mail ("the same problem again"),
 * and such a reply still lands in the right place (a new ticket linked to the old one).
 */
export const REPLY_TOKEN_DAYS = 400;

/** What a recipient of ours names: one ticket (reply+<token>), or the support address (a new ticket, unless routed). */
export type TicketClaim = { kind: 'reply'; ticketId: number } | { kind: 'support' };

/** Where a mail goes: into an existing ticket (written by `author`), or into a new one. */
type Route = { ticket: Ticket; author: MessageAuthor; by: 'token' | 'message-id' | 'subject' } | { newTicket: true; author: MessageAuthor; clientLocale: Locale | null; clientId: number | null };

/** One part of the mail kept as a file, or the reason it was not. */
type Part = { upload: TicketUpload } | { dropped: { name: string; size: string; reason: 'too_big' | 'too_many' } };

const SUBJECT_NUMBER = /\[#(\d{1,12})\]/;
const MESSAGE_ID = /<[^<>\s]{1,250}>/g;
// C0 controls but tab and newline, DEL, lone surrogates, NUL: what a stored text body never has
const NOT_BODY = /[\u0000-\u0008\u000b-\u001f\u007f\p{Cs}]/gu;

/**
 * Tickets by mail. Claims `reply+<token>@INBOUND_DOMAIN` (the Reply-To of every ticket mail to the client; a
 * forged or malformed token is refused at RCPT with 550 5.7.1, an expired one with 550 5.7.1 saying so) and the
 * support address (Admin → Settings → support inbox, `support@INBOUND_DOMAIN` by default).
 *
 * A mail goes, in this order, to: the ticket its reply token names; else the ticket of a Message-ID of ours in
 * In-Reply-To / References; else the ticket `[#N]` in the subject names, only when the sender is that ticket's
 * client; else, sent to the support address, a new ticket: the known client's, or, from an unknown address, a
 * "not a client yet" ticket (external_email) staff link to a client later.
 *
 * A token or Message-ID reply from an address that is not the ticket's client (a colleague, a forwarded mail,
 * the client's other mailbox) is taken into the ticket as the client's side of it, with its own address
 * (author_email), so staff see who wrote it; `[#N]` alone is too easy to type to trust that far.
 *
 * Machine mail (mail.classification: out-of-office, lists, bounces) is stored in inbound_messages and goes into
 * no ticket: it reopens nothing, opens nothing and gets no answer. A ticket opened by mail is acknowledged once
 * per sender per day at most (ticket_mail_acks, in the same transaction), with Auto-Submitted: auto-replied.
 */
@Injectable()
export class TicketMailHandler implements InboundHandler<TicketClaim>, OnModuleInit {
  readonly name = 'support.ticket';
  private readonly logger = new Logger('TicketMail');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: InboundRegistry,
    private readonly tokens: AddressTokens,
    private readonly settings: SettingsService,
    private readonly db: Database,
    private readonly tickets: TicketsRepository,
    private readonly service: TicketsService,
    private readonly files: TicketAttachments,
    private readonly users: UsersRepository,
    private readonly mailer: TicketMailer,
    private readonly bans: BanCheck,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async claim(rcpt: InboundAddress) {
    if (rcpt.domain !== this.config.inbound.domain) return null;
    if (rcpt.base === 'reply' && rcpt.tag !== null) {
      const check = this.tokens.verify('reply', rcpt.tag, REPLY_TOKEN_DAYS);
      if (!check.ok && check.reason === 'expired') {
        const inbox = `${(await this.settings.current()).supportInboxAddress}@${this.config.inbound.domain}`;
        return refuse(550, '5.7.1', `This reply address has expired (replies are taken for ${REPLY_TOKEN_DAYS} days): please write to ${inbox} instead`);
      }
      const m = check.ok ? /^t(\d{1,12})$/.exec(check.ref) : null;
      if (!m) return refuse(550, '5.7.1', 'This reply address was not issued here');
      const ticketId = Number(m[1]);
      if (!(await this.tickets.ticketExists(ticketId))) return refuse(550, '5.1.1', 'No such ticket here');
      return accept<TicketClaim>({ kind: 'reply', ticketId });
    }
    if (rcpt.base === (await this.settings.current()).supportInboxAddress) return accept<TicketClaim>({ kind: 'support' });
    return null;
  }

  async handle(mail: InboundMail, claims: TicketClaim[]): Promise<InboundOutcome> {
    const from = senderOf(mail);
    if (!from) return { outcome: 'ignored', detail: 'no sender address' };
    if (await this.tickets.hasInboundMessage(mail.id)) return { outcome: 'duplicate', detail: 'in a ticket already' };
    const route = await this.route(mail, claims, from.email);
    if (!route) return { outcome: 'ignored', detail: 'no ticket to put it in' };
    const target = 'ticket' in route ? `ticket #${route.ticket.id}` : 'a new ticket';
    if (mail.classification.isAutomatic) {
      return { outcome: 'auto-reply', detail: `${mail.classification.reasons.join(', ')}; not put in ${target}` };
    }
    // A banned identity writes no ticket by mail either: refused at DATA with a polite line (its MTA tells the
    // sender the mail was not taken, rather than letting them wait for an answer); the reason stays private.
    if (await this.bans.findActive(from.email)) {
      throw new InboundRefusal(550, '5.7.1', 'This address can no longer write to support here');
    }
    // A closed account (offboarded, banned or not) opens and continues no ticket by mail: same answer.
    const sender = await this.users.findByEmail(from.email);
    if (sender?.disabledAt && sender.role === 'client') {
      throw new InboundRefusal(550, '5.7.1', 'This address can no longer write to support here');
    }

    const all = mail.parsed.attachments ?? [];
    const { body, quoted } = bodyOf(mail, all);
    const attachments = all.filter((a) => !quoted.has(a));
    const names = new Map(all.map((a, i) => [a, partName(a, i)]));
    if (!body && !attachments.length) return { outcome: 'ignored', detail: `empty message for ${target}` };

    const room = TICKET_FILES_MAX - ('ticket' in route ? await this.tickets.countAttachments(route.ticket.id) : 0);
    const s = await this.settings.current();
    const parts: Part[] = [];
    const uploads: TicketUpload[] = [];
    const undo: (() => Promise<void>)[] = [];
    const recorded = new Set<TicketUpload>();
    try {
      parts.push(...(await this.parts(attachments, room, names, uploads)));
      const store = async (m: EntityManager, ticketId: number, messageId: number) => {
        const rows: TicketAttachment[] = [];
        for (const u of uploads) {
          const stored = await this.files.store(m, u, ticketId, messageId);
          undo.push(stored.undo);
          recorded.add(u);
          rows.push(stored.row);
        }
        for (const p of parts) {
          if ('dropped' in p) await this.tickets.insertMessage(m, systemLine(ticketId, `tickets_inbound.system.file_${p.dropped.reason}|${p.dropped.name.replace(/\|/g, '/')}|${p.dropped.size}`, this.mailer.newMessageId()));
        }
        return rows;
      };
      return await this.db.transaction(async (m) => {
        if ('ticket' in route) {
          const r = await this.service.clientMessageIn(m, route.ticket.id, route.author, body, store, { reopenDays: Number(s.ticketReopenDays), inboundId: mail.id });
          if (r.opened) await this.acknowledge(m, mail, r.ticket, route.author, null);
          return {
            outcome: r.opened ? 'ticket-reopened-as-new' : 'ticket-reply',
            detail: `${r.opened ? `ticket #${r.ticket.id} after long-closed #${route.ticket.id}` : `ticket #${r.ticket.id}`} (by ${route.by}, from ${from.email})`,
          };
        }
        const subject = subjectOf(mail, this.config.defaultLocale);
        const { ticket } = await this.service.openIn(
          m,
          { clientId: route.clientId, externalEmail: route.clientId === null ? from.email : null, type: 'support', productId: null, subject },
          route.author,
          body,
          store,
          { inboundId: mail.id },
        );
        const acked = await this.acknowledge(m, mail, ticket, route.author, route.clientLocale);
        return { outcome: 'ticket-opened', detail: `ticket #${ticket.id} from ${from.email}${route.clientId === null ? ' (not a client yet)' : ''}${acked ? '' : ', not acknowledged'}` };
      });
    } catch (e) {
      for (const u of undo) await u();
      recorded.clear();
      throw e;
    } finally {
      // the files no committed row names (the transaction failed, or was never reached)
      for (const u of uploads) if (!recorded.has(u)) await fs.promises.rm(u.tmpPath, { force: true });
    }
  }

  /** The routing order of the class comment. */
  private async route(mail: InboundMail, claims: TicketClaim[], from: string): Promise<Route | null> {
    const name = senderOf(mail)?.name ?? '';
    for (const c of claims) {
      if (c.kind !== 'reply') continue;
      const t = await this.tickets.findTicket(c.ticketId);
      if (t) return { ticket: t, author: await this.authorOn(t, from, name), by: 'token' };
    }
    const ids = messageIdsOf(mail);
    const byId = await this.tickets.ticketOfMessageIds(ids);
    const t = byId !== null ? await this.tickets.findTicket(byId) : null;
    if (t) return { ticket: t, author: await this.authorOn(t, from, name), by: 'message-id' };
    const n = SUBJECT_NUMBER.exec(mail.parsed.subject ?? '');
    const numbered = n ? await this.tickets.findTicket(Number(n[1])) : null;
    if (numbered) {
      const author = await this.authorOn(numbered, from, name);
      if (author.id !== null || numbered.externalEmail === from) return { ticket: numbered, author, by: 'subject' };
    }
    if (!claims.some((c) => c.kind === 'support')) return null;
    const user = await this.users.findByEmail(from);
    return user
      ? { newTicket: true, author: { id: user.id, email: user.email, name: user.name }, clientId: user.id, clientLocale: user.locale as Locale | null }
      : { newTicket: true, author: { id: null, email: from, name }, clientId: null, clientLocale: null };
  }

  /** The ticket's client when the sender is them; otherwise the sender by address. */
  private async authorOn(t: Ticket, from: string, name: string): Promise<MessageAuthor> {
    if (t.clientId !== null) {
      const client = await this.users.findById(t.clientId);
      if (client && normaliseEmail(client.email) === from) return { id: client.id, email: client.email, name: client.name };
    }
    return { id: null, email: from, name };
  }

  /** "We got your message": at most once a day per sender (the key of ticket_mail_acks), never to a machine. */
  private async acknowledge(m: EntityManager, mail: InboundMail, ticket: Ticket, author: MessageAuthor, locale: Locale | null): Promise<boolean> {
    if (mail.classification.isAutomatic || !mail.envelopeFrom.trim() || mail.envelopeFrom.trim() === '<>') return false;
    const day = mail.receivedAt.toISOString().slice(0, 10);
    if (!(await this.tickets.claimAck(m, normaliseEmail(author.email), day, ticket.id))) return false;
    await this.mailer.acknowledge(m, ticket, { email: author.email, name: author.name, locale }, mail.messageId ? `<${mail.messageId}>` : null);
    return true;
  }

  /**
   * The mail's files, each kept (in a temporary file) or dropped with its reason; nothing past `room` files.
   * `uploads` gets every temporary file as soon as it is written, for the caller to clean up whatever happens.
   */
  private async parts(attachments: Attachment[], room: number, names: Map<Attachment, string>, uploads: TicketUpload[]): Promise<Part[]> {
    const out: Part[] = [];
    let kept = 0;
    for (const a of attachments) {
      const name = names.get(a)!;
      const size = a.content?.length ?? a.size ?? 0;
      if (size > this.files.maxBytes) out.push({ dropped: { name, size: sizeLabel(size), reason: 'too_big' } });
      else if (kept >= room) out.push({ dropped: { name, size: sizeLabel(size), reason: 'too_many' } });
      else {
        kept++;
        const upload = await this.files.fromBytes(name, a.content);
        uploads.push(upload);
        out.push({ upload });
      }
    }
    return out;
  }
}

/** The From address (lower case) and name; the envelope sender when the header has none. */
function senderOf(mail: InboundMail): { email: string; name: string } | null {
  const v = mail.parsed.from?.value?.[0];
  const email = normaliseEmail(v?.address || mail.envelopeFrom || '');
  if (!isEmail(email)) return null;
  return { email, name: (v?.name ?? '').replace(NOT_BODY, '').trim().slice(0, 200) };
}

/** Every `<message-id>` the mail answers (In-Reply-To first, then References), as ticket_messages stores ours. */
function messageIdsOf(mail: InboundMail): string[] {
  const refs = mail.parsed.references;
  const all = [mail.parsed.inReplyTo ?? '', ...(Array.isArray(refs) ? refs : refs ? [refs] : [])].join(' ');
  return [...new Set(all.match(MESSAGE_ID) ?? [])].slice(0, 100);
}

/**
 * The new text of the mail as plain text: inline `cid:` images become a readable `[image: name]` placeholder
 * (their file is stored with the message), quoted history goes (extractReply), nothing of the HTML stays.
 * `quoted`: the inline images the mail shows only in what was cut (the quoted history, a signature's logo),
 * which are not stored again with every reply; an inline image the text never mentions is kept.
 */
function bodyOf(mail: InboundMail, attachments: Attachment[]): { body: string; quoted: Set<Attachment> } {
  const byCid = new Map<string, { a: Attachment; label: string }>();
  attachments.forEach((a, i) => {
    if (a.cid) byCid.set(a.cid.replace(/^<|>$/g, '').toLowerCase(), { a, label: `[image: ${partName(a, i)}]` });
  });
  const label = (cid: string) => byCid.get(cid.toLowerCase())?.label ?? `[image: ${cid}]`;
  const html = mail.parsed.html ? mail.parsed.html.replace(/<img\b[^>]*?\bsrc\s*=\s*["']?cid:([^"'\s>]+)["']?[^>]*>/gi, (_m, cid: string) => label(cid)) : null;
  // Apple Mail and Outlook write an inline image into the text part as [cid:…]; Gmail as [image: name]
  const text = mail.parsed.text ? mail.parsed.text.replace(/\[cid:([^\]\s]+)\]/gi, (_m, cid: string) => label(cid)) : null;
  const body = extractReply({ text, html }).replace(/\r\n?/g, '\n').replace(NOT_BODY, '').trim().slice(0, TICKET_BODY_MAX);
  const source = text?.trim() ? text : (html ?? '');
  const quoted = new Set<Attachment>();
  for (const { a, label: l } of byCid.values()) if (source.includes(l) && !body.includes(l)) quoted.add(a);
  return { body, quoted };
}

/** A part's file name: its own, cleaned, or `image-N` / `attachment-N` by its place in the mail. */
function partName(a: Attachment, i: number): string {
  return cleanFileName(a.filename || (a.cid ? `image-${i + 1}` : `attachment-${i + 1}`));
}

/** The mail's subject as a ticket's: one line, at most 200 characters, never empty. */
function subjectOf(mail: InboundMail, locale: Locale): string {
  const s = (mail.parsed.subject ?? '').replace(/[\p{Cc}\u2028\u2029\p{Cs}]/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
  return s || translate(locale, 'tickets_inbound.no_subject');
}

function systemLine(ticketId: number, body: string, messageId: string) {
  return { ticketId, authorId: null, authorEmail: null, kind: 'system' as const, body: body.slice(0, 1000), minutes: null, messageId, inReplyTo: null, createdAt: new Date() };
}
