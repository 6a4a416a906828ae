import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { randomToken } from '../../common/crypto';
import { AppError } from '../../common/errors/app-error';
import { Page } from '../../common/http/pagination';
import { Database } from '../../database/database.service';
import { GrantsService } from '../access/grants.service';
import { ProductsRepository } from '../catalogue/products.repository';
import { Limit, ThrottleService } from '../../throttle/throttle.service';
import { generateCode, normaliseCode } from './access-key-code';
import { AccessKeysRepository, KeyRow, KeyState } from './access-keys.repository';

export interface KeyView {
  id: number;
  code: string;
  batch: string;
  productId: number;
  productSlug: string;
  productTitle: string;
  /** null = forever */
  durationDays: number | null;
  state: KeyState;
  redeemedAt: Date | null;
  redeemedBy: number | null;
  disabledAt: Date | null;
  createdAt: Date;
}

export interface RedeemResult {
  productId: number;
  productTitle: string;
  endsAt: Date | null;
}

const KEY_STATES: readonly KeyState[] = ['unused', 'used', 'disabled'];
const WINDOW_MS = 15 * 60_000;
const MAX_COUNT = 10_000;
const MAX_DAYS = 36_500;

function toView(r: KeyRow): KeyView {
  const k = r.key;
  return {
    id: k.id,
    code: k.code,
    batch: k.batch,
    productId: k.productId,
    productSlug: r.productSlug,
    productTitle: r.productTitle,
    durationDays: k.durationDays,
    state: k.disabledAt ? 'disabled' : k.redeemedAt ? 'used' : 'unused',
    redeemedAt: k.redeemedAt,
    redeemedBy: k.redeemedBy,
    disabledAt: k.disabledAt,
    createdAt: k.createdAt,
  };
}

function wholeNumber(v: string | undefined, min: number, max: number): number | null {
  const s = (v ?? '').trim();
  if (!/^\d{1,6}$/.test(s)) return null;
  const n = Number(s);
  return n >= min && n <= max ? n : null;
}

/** Batches of single-use keys (staff) and their redemption (clients). */
@Injectable()
export class AccessKeysService {
  constructor(
    private readonly db: Database,
    private readonly keys: AccessKeysRepository,
    private readonly products: ProductsRepository,
    private readonly grants: GrantsService,
    private readonly throttle: ThrottleService,
    private readonly audit: AuditService,
  ) {}

  async productOptions(): Promise<{ id: number; title: string; slug: string }[]> {
    const [list] = await this.products.listPage({ limit: 200, offset: 0 });
    return list.map((p) => ({ id: p.id, title: p.title, slug: p.slug }));
  }

  /** `days` empty = forever. All keys of a batch commit together or not at all. */
  async generateBatch(actor: Actor, input: { productId?: string; count?: string; days?: string }): Promise<{ batch: string; count: number }> {
    const fields: Record<string, string> = {};
    const productId = wholeNumber(input.productId, 1, 2147483647);
    const product = productId ? await this.products.findById(productId) : null;
    if (!product) fields.productId = 'keys.product_required';
    const count = wholeNumber(input.count, 1, MAX_COUNT);
    if (count === null) fields.count = 'keys.count_invalid';
    const forever = !(input.days ?? '').trim();
    const days = forever ? null : wholeNumber(input.days, 1, MAX_DAYS);
    if (!forever && days === null) fields.days = 'keys.days_invalid';
    if (Object.keys(fields).length) throw AppError.validation(fields);

    const batch = `${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomToken(6)}`;
    const now = new Date();
    const codes = new Set<string>();
    while (codes.size < count!) codes.add(generateCode());
    await this.db.transaction(async (m) => {
      await this.keys.insertMany(
        m,
        [...codes].map((code) => ({ code, batch, productId: product!.id, durationDays: days, disabledAt: null, redeemedBy: null, redeemedAt: null, createdBy: actor.userId, createdAt: now })),
      );
      await this.audit.record(m, actor, { action: 'keys.batch_created', subjectType: 'product', subjectId: product!.id, after: { batch, count, durationDays: days } });
    });
    return { batch, count: count! };
  }

  async list(filter: { product?: string; state?: string; batch?: string }, page: Page): Promise<{ items: KeyView[]; total: number }> {
    const productId = wholeNumber(filter.product, 1, 2147483647) ?? undefined;
    const state = KEY_STATES.includes(filter.state as KeyState) ? (filter.state as KeyState) : undefined;
    const batch = filter.batch?.trim() ? filter.batch.trim().slice(0, 40) : undefined;
    const [rows, total] = await this.keys.search({ productId, state, batch }, page);
    return { items: rows.map(toView), total };
  }

  async batchCsv(batch: string): Promise<{ filename: string; csv: string }> {
    const rows = /^[\w-]{1,40}$/.test(batch) ? await this.keys.listBatch(batch) : [];
    if (!rows.length) throw AppError.notFound('key_batch');
    const csv = stringify(
      rows.map(toView).map((k) => [k.code, k.productSlug, k.durationDays ?? 'forever', k.state, k.batch, k.createdAt.toISOString()]),
      { header: true, columns: ['code', 'product', 'duration_days', 'state', 'batch', 'created_at'] },
    );
    return { filename: `keys-${batch}.csv`, csv };
  }

  async disable(actor: Actor, id: number): Promise<void> {
    await this.db.transaction(async (m) => {
      const key = await this.keys.findById(id, m);
      if (!key) throw AppError.notFound('key');
      if (!(await this.keys.disable(m, id, new Date()))) return;
      await this.audit.record(m, actor, { action: 'keys.disabled', subjectType: 'access_key', subjectId: id, before: { disabled: false }, after: { disabled: true, redeemed: !!key.redeemedAt } });
    });
  }

  /**
   * Failed attempts count per account and per IP; when either is full the answer is 429 until its window
   * ends. A key for a product the client already has extends that access from its current end.
   */
  async redeem(actor: Actor & { userId: number }, input: string | undefined): Promise<RedeemResult> {
    if (!input?.trim()) throw AppError.validation({ code: 'errors.required' });
    const limits: Limit[] = [
      { bucket: `redeem:account:${actor.userId}`, max: 10, windowMs: WINDOW_MS },
      { bucket: `redeem:ip:${actor.ip}`, max: 30, windowMs: WINDOW_MS },
    ];
    // Counted first (see ThrottleService.take); only invalid codes keep counting.
    await this.throttle.take(limits);
    let result: RedeemResult;
    try {
      result = await this.db.transaction(async (m) => {
        const code = normaliseCode(input);
        const key = code ? await this.keys.findByCode(m, code) : null;
        if (!key) throw AppError.validation({ code: 'keys.invalid' });
        if (key.disabledAt) throw AppError.validation({ code: 'keys.disabled' });
        if (key.redeemedAt || !(await this.keys.markRedeemed(m, key.id, actor.userId, new Date()))) throw AppError.validation({ code: 'keys.used' });
        const product = await this.products.findById(key.productId, m);
        if (!product) throw AppError.validation({ code: 'keys.invalid' });
        const grant = await this.grants.extendOrGrant(m, actor, { clientId: actor.userId, productId: key.productId, source: 'key', days: key.durationDays, accessKeyId: key.id });
        await this.audit.record(m, actor, { action: 'keys.redeemed', subjectType: 'client', subjectId: actor.userId, after: { keyId: key.id, productId: key.productId, grantId: grant.id, endsAt: grant.endsAt } });
        return { productId: product.id, productTitle: product.title, endsAt: grant.endsAt };
      });
    } catch (e) {
      if (!(e instanceof AppError && e.kind === 'validation')) await this.throttle.giveBack(limits);
      throw e;
    }
    await this.throttle.giveBack(limits);
    return result;
  }
}
