import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AddressObject, ParsedMail, simpleParser } from 'mailparser';
import { APP_CONFIG, AppConfig } from '../config/config';
import { classifyMail, headerLookup } from './auto-reply';
import { InboundMessagesRepository } from './inbound-messages.repository';
import { InboundClaim } from './inbound-registry';
import { InboundHandler, InboundMail, InboundRefusal } from './inbound.types';

export interface Envelope {
  from: string;
  to: string[];
  remoteAddress: string;
}

/** One answer per recipient (LMTP) or for the transaction (SMTP): undefined = 250, else the error to answer. */
export type Verdict = Error & { responseCode?: number };

/** A message still `received` after this long was being handled by a process that died: the next delivery takes it over. */
const STALE_MS = 10 * 60_000;

/** The folder under FILES_DIR where raw messages are kept. */
export const INBOUND_DIR = 'inbound';

function temporary(message: string): Verdict {
  return Object.assign(new Error(message), { responseCode: 451 });
}

function permanent(r: InboundRefusal): Verdict {
  return Object.assign(new Error(`${r.enhanced} ${r.reason}`), { responseCode: r.responseCode });
}

function addresses(a: AddressObject | AddressObject[] | undefined): string {
  return (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address ?? '')).join(',');
}

/**
 * What a message is, for the duplicate check: who wrote it, when, to whom, what it says and what it carries.
 * Not the raw bytes: the copies of one mail delivered to two of our addresses, or relayed twice, differ in their
 * trace headers (Received, Delivered-To, X-Original-To, Return-Path), and are still one message.
 */
export function contentHash(p: ParsedMail): string {
  const h = createHash('sha256');
  for (const part of [addresses(p.from), addresses(p.to), addresses(p.cc), p.date?.toISOString() ?? '', p.subject ?? '', p.text ?? '', p.html || '']) {
    h.update(part).update('\0');
  }
  for (const a of p.attachments) h.update(`${a.checksum}:${a.size}:${a.filename ?? ''}\0`);
  return h.digest('hex');
}

/**
 * One SMTP transaction, from DATA to the answer: streams the message to the file it is kept in (counting on the
 * way, nothing past the size limit) while mailparser reads the same bytes once, stores it once (the database's
 * unique key on Message-ID and content hash decides what is a duplicate), then hands it to every handler that
 * claimed one of its recipients. A message is held in memory only as mailparser's result (its attachments once).
 */
@Injectable()
export class InboundReceiver {
  private readonly logger = new Logger('Inbound');
  /** Month folders made already (one mkdir per month, not per message). */
  private readonly dirs = new Set<string>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly messages: InboundMessagesRepository,
  ) {}

  /** Answers for the transaction: one per claim (in RCPT order). */
  async receive(stream: Readable & { sizeExceeded?: boolean }, envelope: Envelope, claims: InboundClaim[]): Promise<(Verdict | undefined)[]> {
    const all = (v: Verdict | undefined) => claims.map(() => v);
    // Written where it is kept, under a name of its own, as it arrives: no temporary file to move afterwards (a
    // duplicate's file is removed below; the row says which file is the message's).
    const now = new Date();
    const rawPath = path.posix.join(INBOUND_DIR, String(now.getUTCFullYear()), String(now.getUTCMonth() + 1).padStart(2, '0'), `${randomUUID()}.eml`);
    const file = path.join(this.config.filesDir, rawPath);
    await this.folder(path.dirname(file));
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        // Past the limit the server answers 552 whatever we say; the rest of the stream is read and dropped.
        if (stream.sizeExceeded) return done();
        size += chunk.length;
        done(null, chunk);
      },
    });
    const toParser = new PassThrough();
    meter.pipe(toParser);
    const parsing = simpleParser(toParser, { skipTextToHtml: true, skipTextLinks: true });
    // A parse error must not be left unhandled while the file is still being written.
    parsing.catch(() => undefined);
    try {
      await pipeline(stream, meter, fs.createWriteStream(file, { flags: 'wx' }));
    } catch (e) {
      toParser.destroy();
      await fs.promises.rm(file, { force: true });
      // The folder was removed under us (a clean-up by hand): made again for the sender's retry.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') this.dirs.delete(path.dirname(file));
      throw e;
    }
    if (stream.sizeExceeded) {
      await fs.promises.rm(file, { force: true });
      return all(Object.assign(new Error(`5.3.4 Message too big, the limit is ${this.config.inbound.maxBytes} bytes`), { responseCode: 552 }));
    }
    let parsed: ParsedMail;
    try {
      parsed = await parsing;
    } catch (e) {
      await fs.promises.rm(file, { force: true });
      this.logger.warn(`unparseable message from ${envelope.from || '<>'}: ${(e as Error).message}`);
      return all(Object.assign(new Error('5.6.0 The message could not be parsed'), { responseCode: 554 }));
    }
    const messageId = (parsed.messageId ?? '').replace(/^<|>$/g, '').slice(0, 255);
    const content = contentHash(parsed);
    const classification = classifyMail(headerLookup(parsed.headerLines), envelope.from);
    const handlerNames = [...new Set(claims.map((c) => c.handler.name))];
    let id = await this.messages.insert({
      receivedAt: now,
      envelopeFrom: envelope.from.slice(0, 320),
      envelopeTo: envelope.to.join(',').slice(0, 1000),
      messageId,
      contentSha256: content,
      size,
      rawPath,
      isAutomatic: classification.isAutomatic,
      subject: (parsed.subject ?? '').slice(0, 255),
      handler: handlerNames.join(',').slice(0, 255),
    });
    let keptPath = rawPath;
    if (id === null) {
      const existing = await this.messages.findByIdentity(messageId, content);
      // the row is another delivery's, and so is the file kept with it
      await fs.promises.rm(file, { force: true });
      const retaken = existing && (existing.status === 'failed' || existing.status === 'received') && (await this.messages.retake(existing.id, new Date(now.getTime() - STALE_MS)));
      if (!existing || !retaken) {
        // Stored and handled (or being handled) already: accepted, and nothing happens twice.
        if (existing?.status === 'refused' && existing.error) return all(Object.assign(new Error(existing.error.replace(/^\d{3} /, '')), { responseCode: Number(existing.error.slice(0, 3)) || 550 }));
        return all(undefined);
      }
      id = existing.id;
      keptPath = existing.rawPath;
    }

    const mail: InboundMail = {
      id,
      receivedAt: now,
      envelopeFrom: envelope.from,
      envelopeTo: envelope.to,
      remoteAddress: envelope.remoteAddress,
      messageId,
      parsed,
      classification,
      rawPath: path.join(this.config.filesDir, keptPath),
      size,
    };
    return this.dispatch(mail, claims);
  }

  private async folder(dir: string): Promise<void> {
    if (this.dirs.has(dir)) return;
    await fs.promises.mkdir(dir, { recursive: true });
    this.dirs.add(dir);
  }

  /** Each handler once, with all of its claims; a failure of one never reaches the listener. */
  private async dispatch(mail: InboundMail, claims: InboundClaim[]): Promise<(Verdict | undefined)[]> {
    const byHandler = new Map<InboundHandler, InboundClaim[]>();
    for (const c of claims) byHandler.set(c.handler, [...(byHandler.get(c.handler) ?? []), c]);
    const verdicts = new Map<InboundHandler, Verdict | undefined>();
    const outcomes: string[] = [];
    const details: string[] = [];
    let status: 'handled' | 'failed' | 'refused' = 'handled';
    let error: string | null = null;
    for (const [handler, own] of byHandler) {
      try {
        const r = await handler.handle(mail, own.map((c) => c.data));
        outcomes.push(byHandler.size > 1 ? `${handler.name}:${r.outcome}` : r.outcome);
        if (r.detail) details.push(r.detail);
        verdicts.set(handler, undefined);
      } catch (e) {
        if (e instanceof InboundRefusal) {
          verdicts.set(handler, permanent(e));
          if (status === 'handled') status = 'refused';
          error = `${e.responseCode} ${e.enhanced} ${e.reason}`;
          outcomes.push('refused');
        } else {
          this.logger.error(`${handler.name} failed on inbound message ${mail.id} (${mail.messageId}): ${(e as Error).stack ?? e}`);
          verdicts.set(handler, temporary('4.3.0 Temporary failure while handling the message, please try again later'));
          status = 'failed';
          error = String((e as Error).stack ?? e);
          outcomes.push('failed');
        }
      }
    }
    await this.messages.finish(mail.id, { status, outcome: outcomes.join(','), detail: details.join('; ') || null, error });
    return claims.map((c) => verdicts.get(c.handler));
  }
}
