import { Injectable } from '@nestjs/common';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/errors/app-error';
import { isEmail } from '../common/email';
import { Page } from '../common/http/pagination';
import { LOCALES } from '../config/config';
import { Database } from '../database/database.service';
import { ProductsRepository } from '../members/catalogue/products.repository';
import { OrdersRepository } from '../members/orders/orders.repository';
import { RefundsRepository } from '../members/orders/refunds/refunds.repository';
import { refundLinesByOrder } from '../members/orders/refunds/refund.views';
import { ClientProgressView, ProgressService } from '../members/client-area/progress.service';
import { User } from '../users/entities/user.entity';
import { WelcomeMailService } from '../auth/welcome-mail.service';
import { isLocale } from '../i18n/i18n';
import { isGrantActive } from '../members/access/access-rule';
import { ClientTicketHistory, TicketMetricsService } from '../support/ticket-metrics.service';
import { WarningsService, WarningView } from './warnings/warnings.service';
import { CreateClient, NewClientCommand } from './usecases/create-client.usecase';
import { ClientFilter, ClientsRepository } from './clients.repository';
import { ClientView, GrantRowView, NoteView, OrderRowView, parseEndDate, toClientView, toGrantRow, toNoteView, toOrderRow } from './clients.views';

export interface ClientListRow extends ClientView {
  products: { title: string; active: boolean }[];
}

/** A new client as the form or the API sends it; `welcome` defaults to true. */
export interface NewClientInput {
  email?: unknown;
  name?: unknown;
  locale?: unknown;
  grants?: { productId: number; endsAt?: string | null }[];
  welcome?: boolean;
}

/** A type, not an interface, so it can be a form's re-render model (Record<string, unknown>). */
export type ClientPage = {
  client: ClientView;
  /** Whether the client has chosen a password yet (the welcome mail's link not used). */
  passwordSet: boolean;
  grants: GrantRowView[];
  orders: OrderRowView[];
  notes: NoteView[];
  allLabels: { id: number; name: string }[];
  products: { id: number; title: string; slug: string }[];
  /** Lessons done per granted product (views/members/_client-progress.njk). */
  progress: ClientProgressView[];
  /** The client's tickets and their totals, from support (views/tickets/_client-history.njk). */
  ticketHistory: ClientTicketHistory;
  /** The warnings sent to the client (views/warnings/_client-warnings.njk). */
  warnings: WarningView[];
};

const NOTE_MAX = 5000;

/** One entry per product: active if any of its grants is. */
function productsOf(grants: GrantRowView[]): { title: string; active: boolean }[] {
  const byProduct = new Map<number, { title: string; active: boolean }>();
  for (const g of grants) {
    const cur = byProduct.get(g.productId);
    byProduct.set(g.productId, { title: g.productTitle, active: g.active || !!cur?.active });
  }
  return [...byProduct.values()];
}
const LABEL_MAX = 60;

/** The clients' admin: who they are, what they have, and staff's private notes and labels about them. */
@Injectable()
export class ClientsService {
  constructor(
    private readonly db: Database,
    private readonly clients: ClientsRepository,
    private readonly products: ProductsRepository,
    private readonly orders: OrdersRepository,
    private readonly refunds: RefundsRepository,
    private readonly createClient: CreateClient,
    private readonly welcome: WelcomeMailService,
    private readonly audit: AuditService,
    private readonly progress: ProgressService,
    private readonly ticketMetrics: TicketMetricsService,
    private readonly warnings: WarningsService,
  ) {}

  async list(f: ClientFilter, page: Page): Promise<{ items: ClientListRow[]; total: number }> {
    const now = new Date();
    const [rows, total] = await this.clients.search(f, page, now);
    const ids = rows.map((u) => u.id);
    const [grants, labels] = await Promise.all([this.clients.grantsForClients(ids), this.clients.labelsForClients(ids)]);
    const titles = await this.productTitles(grants.map((g) => g.productId));
    const items = rows.map((u) => ({
      ...toClientView(u, labels.filter((l) => l.clientId === u.id).map(({ id, name }) => ({ id, name }))),
      products: productsOf(grants.filter((g) => g.clientId === u.id).map((g) => toGrantRow(g, titles.get(g.productId) ?? '', [], now))),
    }));
    return { items, total };
  }

  /** Options for the list's filters and the grant form. */
  async filterOptions() {
    const [[products], labels] = await Promise.all([this.products.listPage({ limit: 200, offset: 0 }), this.clients.allLabels()]);
    return {
      products: products.map((p) => ({ id: p.id, title: p.title, slug: p.slug })),
      labels: labels.map((l) => ({ id: l.id, name: l.name })),
    };
  }

  /** What the add-client form offers: every product, and the languages. */
  async newClientForm(): Promise<{ products: { id: number; title: string; slug: string }[]; locales: readonly string[] }> {
    const { products } = await this.filterOptions();
    return { products, locales: LOCALES };
  }

  async get(id: number): Promise<ClientView> {
    const u = await this.requireClient(id);
    const labels = await this.clients.labelsForClients([id]);
    return toClientView(u, labels.map(({ id: labelId, name }) => ({ id: labelId, name })));
  }

  async page(id: number): Promise<ClientPage> {
    const u = await this.requireClient(id);
    const client = toClientView(u, (await this.clients.labelsForClients([id])).map(({ id: labelId, name }) => ({ id: labelId, name })));
    const now = new Date();
    const [grants, orders, notes, options, progress, ticketHistory, warnings] = await Promise.all([
      this.clients.grantsForClients([id]),
      this.orders.listForClient(id),
      this.clients.notesFor(id),
      this.filterOptions(),
      this.progress.forClient(id),
      this.ticketMetrics.clientHistory(id),
      this.warnings.list(id),
    ]);
    const [events, titles, refunds] = await Promise.all([
      this.clients.eventsForGrants(grants.map((g) => g.id)),
      this.productTitles([...grants.map((g) => g.productId), ...orders.map((o) => o.productId)]),
      this.refunds.listForOrders(orders.map((o) => o.id)).then((r) => refundLinesByOrder(r, 'en')),
    ]);
    return {
      client,
      passwordSet: u.passwordHash !== null,
      grants: grants.map((g) => toGrantRow(g, titles.get(g.productId) ?? '', events.filter((e) => e.grantId === g.id), now)),
      orders: orders.map((o) => toOrderRow(o, titles.get(o.productId) ?? '', refunds.get(o.id))),
      notes: notes.map(toNoteView),
      allLabels: options.labels,
      products: options.products,
      progress,
      ticketHistory,
      warnings,
    };
  }

  /** Warning follow-ups that have come due and are not done (the client list's reminder). */
  dueFollowUps() {
    return this.warnings.dueFollowUps();
  }

  /**
   * Adds one client (the admin's form, the API): the account, the products to open now and, unless asked not
   * to, the welcome mail, in one transaction. Every bad field is reported at once; an email with an account
   * already is a conflict on `email`, and nothing is stored. End dates are read in `timeZone`.
   */
  async create(actor: Actor, input: NewClientInput, via: 'admin' | 'api', timeZone: string): Promise<ClientView> {
    const email = typeof input.email === 'string' ? input.email.trim().toLowerCase() : '';
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    const fields: Record<string, string> = {};
    if (!isEmail(email)) fields.email = 'errors.email_invalid';
    if (name.length > 200) fields.name = 'errors.too_long';
    const locale = input.locale === undefined || input.locale === null || input.locale === '' ? null : isLocale(input.locale) ? input.locale : undefined;
    if (locale === undefined) fields.locale = 'errors.locale_invalid';
    const wanted = input.grants ?? [];
    const found = new Map((await this.products.findByIds(wanted.map((g) => g.productId).filter((id) => Number.isSafeInteger(id) && id > 0))).map((p) => [p.id, p]));
    const grants: NewClientCommand['grants'] = [];
    for (const g of wanted) {
      const product = found.get(g.productId);
      if (!product) {
        fields[`ends_${g.productId}`] = 'clients.errors.unknown_product';
        continue;
      }
      const end = parseEndDate(g.endsAt ?? '', timeZone);
      if (end === 'bad') fields[`ends_${product.id}`] = 'clients.errors.bad_date';
      else if (end === 'past') fields[`ends_${product.id}`] = 'clients.errors.date_past';
      else grants.push({ product: { id: product.id, title: product.title }, endsAt: end });
    }
    if (Object.keys(fields).length) throw AppError.validation(fields);
    const u = await this.db.transaction((m) =>
      this.createClient.execute(m, actor, { email, name, locale: locale ?? null, grants, source: 'manual', welcome: input.welcome !== false, via }),
    );
    return toClientView(u);
  }

  /**
   * The welcome mail again, with a new set-password link: the earlier welcome links stop working (a reset link the
   * client asked for stays). Names the products the client can open now.
   */
  async resendWelcome(actor: Actor, clientId: number): Promise<void> {
    const client = await this.requireClient(clientId);
    const now = new Date();
    const grants = (await this.clients.grantsForClients([clientId])).filter((g) => isGrantActive(g, now));
    const titles = await this.productTitles(grants.map((g) => g.productId));
    await this.db.transaction(async (m) => {
      await this.welcome.send(m, client, { products: [...new Set(grants.map((g) => titles.get(g.productId) ?? ''))].filter(Boolean) });
      await this.audit.record(m, actor, { action: 'client.welcome_sent', subjectType: 'client', subjectId: clientId, extra: { again: true } });
    });
  }

  async addNote(actor: Actor, clientId: number, body: unknown): Promise<void> {
    await this.requireClient(clientId);
    const text = typeof body === 'string' ? body.trim() : '';
    if (!text) throw AppError.validation({ body: 'errors.required' });
    if (text.length > NOTE_MAX) throw AppError.validation({ body: 'errors.too_long' });
    await this.db.transaction(async (m) => {
      const note = await this.clients.insertNote(m, { clientId, authorId: actor.userId, authorLabel: actor.label.slice(0, 254), body: text });
      await this.audit.record(m, actor, { action: 'client.note_add', subjectType: 'client', subjectId: clientId, after: { noteId: note.id } });
    });
  }

  async addLabel(actor: Actor, clientId: number, name: unknown): Promise<void> {
    await this.requireClient(clientId);
    const label = typeof name === 'string' ? name.trim().replace(/\s+/g, ' ') : '';
    if (!label) throw AppError.validation({ label: 'errors.required' });
    if (label.length > LABEL_MAX) throw AppError.validation({ label: 'errors.too_long' });
    await this.db.transaction(async (m) => {
      const l = (await this.clients.findLabelByName(m, label)) ?? (await this.clients.insertLabel(m, label));
      if (await this.clients.hasLabel(m, clientId, l.id)) return;
      await this.clients.attachLabel(m, clientId, l.id);
      await this.audit.record(m, actor, { action: 'client.label_add', subjectType: 'client', subjectId: clientId, after: { label: l.name } });
    });
  }

  async removeLabel(actor: Actor, clientId: number, labelId: number): Promise<void> {
    await this.requireClient(clientId);
    await this.db.transaction(async (m) => {
      if (!(await this.clients.detachLabel(m, clientId, labelId))) throw AppError.notFound('label');
      await this.audit.record(m, actor, { action: 'client.label_remove', subjectType: 'client', subjectId: clientId, before: { labelId } });
    });
  }

  async requireClient(id: number): Promise<User> {
    const u = await this.clients.findClient(id);
    if (!u) throw AppError.notFound('client');
    return u;
  }

  private async productTitles(ids: number[]): Promise<Map<number, string>> {
    const products = await this.products.findByIds([...new Set(ids)]);
    return new Map(products.map((p) => [p.id, p.title]));
  }
}
