import { Injectable } from '@nestjs/common';
import { Actor } from '../audit/actor';
import { AppError } from '../common/errors/app-error';
import { Page } from '../common/http/pagination';
import { Database } from '../database/database.service';
import { Grant } from '../members/access/entities/grant.entity';
import { GrantsRepository } from '../members/access/grants.repository';
import { GrantsService, GrantView, toGrantView } from '../members/access/grants.service';
import { ProductsRepository } from '../members/catalogue/products.repository';
import { ClientsRepository } from './clients.repository';
import { parseUntil } from '../common/time/zoned-time';

/**
 * An end date as typed: `YYYY-MM-DD` (access through that day), a local `YYYY-MM-DDTHH:mm`, both read in
 * `timeZone` (the person's, or the site zone for the API), or an ISO timestamp with its offset; `forever` wins.
 */
export interface EndInput {
  endsAt?: string | null;
  forever?: boolean;
  timeZone: string;
}

const REASON_MAX = 1000;

/** Manual access from the client's page and the API: always through GrantsService, so history and audit are kept. */
@Injectable()
export class ClientAccessService {
  constructor(
    private readonly db: Database,
    private readonly clients: ClientsRepository,
    private readonly grantsRepo: GrantsRepository,
    private readonly grants: GrantsService,
    private readonly products: ProductsRepository,
  ) {}

  async list(clientId: number, page: Page): Promise<{ items: GrantView[]; total: number }> {
    await this.requireClient(clientId);
    const [rows, total] = await this.clients.grantsForClientPage(clientId, page);
    const now = new Date();
    return { items: rows.map((g) => toGrantView(g, now)), total };
  }

  async grant(actor: Actor, clientId: number, input: EndInput & { productId: unknown; reason?: unknown }): Promise<GrantView> {
    await this.requireClient(clientId);
    const fields: Record<string, string> = {};
    const productId = Number(input.productId);
    const product = Number.isInteger(productId) && productId > 0 && productId < 2 ** 31 ? await this.products.findById(productId) : null;
    if (!product) fields.productId = 'clients.errors.unknown_product';
    const endsAt = this.parseEnd(input, fields);
    const reason = this.parseReason(input.reason, false, fields);
    if (Object.keys(fields).length) throw AppError.validation(fields);
    const g = await this.db.transaction((m) => this.grants.grant(m, actor, { clientId, productId, source: 'manual', endsAt, reason }));
    return toGrantView(g);
  }

  async extend(actor: Actor, clientId: number, grantId: number, input: EndInput & { reason?: unknown }): Promise<GrantView> {
    const g = await this.requireGrant(clientId, grantId);
    const fields: Record<string, string> = {};
    const endsAt = this.parseEnd(input, fields);
    const reason = this.parseReason(input.reason, false, fields);
    if (endsAt && endsAt <= g.startsAt) fields.endsAt = 'clients.errors.date_past';
    if (Object.keys(fields).length) throw AppError.validation(fields);
    const updated = await this.db.transaction((m) => this.grants.extend(m, actor, g.id, endsAt, reason));
    return toGrantView(updated);
  }

  async revoke(actor: Actor, clientId: number, grantId: number, rawReason: unknown): Promise<GrantView> {
    const g = await this.requireGrant(clientId, grantId);
    const fields: Record<string, string> = {};
    const reason = this.parseReason(rawReason, true, fields);
    if (Object.keys(fields).length) throw AppError.validation(fields);
    const revoked = await this.db.transaction((m) => this.grants.revoke(m, actor, g.id, reason!));
    return toGrantView(revoked);
  }

  private parseEnd(input: EndInput, fields: Record<string, string>): Date | null {
    const v = typeof input.endsAt === 'string' ? input.endsAt.trim() : '';
    if (input.forever || input.endsAt === null || (input.endsAt === undefined && input.forever === undefined)) return null;
    if (!v) {
      fields.endsAt = 'clients.errors.end_required';
      return null;
    }
    const r = parseUntil(v, input.timeZone);
    if (!r.ok) {
      fields.endsAt = r.error === 'gap' ? 'time.errors.gap' : 'clients.errors.bad_date';
      return null;
    }
    if (r.at <= new Date()) fields.endsAt = 'clients.errors.date_past';
    return r.at;
  }

  private parseReason(v: unknown, required: boolean, fields: Record<string, string>): string | null {
    const s = typeof v === 'string' ? v.trim() : '';
    if (required && !s) fields.reason = 'clients.errors.reason_required';
    else if (s.length > REASON_MAX) fields.reason = 'errors.too_long';
    return s || null;
  }

  private async requireClient(clientId: number): Promise<void> {
    if (!(await this.clients.findClient(clientId))) throw AppError.notFound('client');
  }

  /** Another client's grant is as good as missing. */
  private async requireGrant(clientId: number, grantId: number): Promise<Grant> {
    await this.requireClient(clientId);
    const g = await this.grantsRepo.findById(grantId);
    if (!g || g.clientId !== clientId) throw AppError.notFound('grant');
    return g;
  }
}
