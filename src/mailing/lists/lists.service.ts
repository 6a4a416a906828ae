import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { AppError } from '../../common/errors/app-error';
import { Database } from '../../database/database.service';
import { MailingList, OPT_IN_MODES, OptInMode } from './entities/mailing-list.entity';
import { SubscriptionStatus } from '../subscribers/entities/subscription.entity';
import { ListsRepository } from './lists.repository';
import { SubscribersRepository } from '../subscribers/subscribers.repository';

export type StatusCounts = Record<SubscriptionStatus, number>;

/** What pages and the API see of a list. */
export interface ListView {
  id: number;
  name: string;
  description: string;
  isPublic: boolean;
  optIn: OptInMode;
  archived: boolean;
  archivedAt: Date | null;
  createdAt: Date;
  counts: StatusCounts;
}

/** Raw input from a form or the API; every field optional on update. */
export interface ListInput {
  name?: unknown;
  description?: unknown;
  isPublic?: unknown;
  optIn?: unknown;
}

const NAME_MAX = 200;
const DESCRIPTION_MAX = 2000;
const NO_COUNTS: StatusCounts = { unconfirmed: 0, confirmed: 0, unsubscribed: 0 };

export function toListView(l: MailingList, counts: StatusCounts = NO_COUNTS): ListView {
  return {
    id: l.id,
    name: l.name,
    description: l.description ?? '',
    isPublic: l.isPublic,
    optIn: l.optIn,
    archived: l.archivedAt !== null,
    archivedAt: l.archivedAt,
    createdAt: l.createdAt,
    counts: { ...counts },
  };
}

/** The stable part of the List-Id header: ASCII from the name, plus randomness so two lists never share it. */
export function newListKey(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${slug || 'list'}-${randomBytes(4).toString('hex')}`;
}

/** Mailing lists: create, edit, archive, with each list's subscribers counted by status. */
@Injectable()
export class ListsService {
  constructor(
    private readonly db: Database,
    private readonly lists: ListsRepository,
    private readonly subscribers: SubscribersRepository,
    private readonly audit: AuditService,
  ) {}

  /** Every list, active first, each with its counts. */
  async overview(): Promise<ListView[]> {
    const [lists, counts] = await Promise.all([this.lists.listAll(), this.subscribers.countsByList()]);
    const views = lists.map((l) => toListView(l, counts.get(l.id)));
    return [...views.filter((v) => !v.archived), ...views.filter((v) => v.archived)];
  }

  async get(id: number): Promise<ListView> {
    const list = await this.lists.findById(id);
    if (!list) throw AppError.notFound('list');
    return toListView(list, (await this.subscribers.countsByList()).get(id));
  }

  /** Lists that may be offered to anyone: public and not archived. */
  async publicLists(): Promise<ListView[]> {
    return (await this.lists.listActive({ publicOnly: true })).map((l) => toListView(l));
  }

  /** Lists staff may add people to (not archived). */
  async activeLists(): Promise<ListView[]> {
    return (await this.lists.listActive()).map((l) => toListView(l));
  }

  async create(actor: Actor, input: ListInput): Promise<ListView> {
    const data = parse(input, true);
    const list = await this.db.transaction(async (m) => {
      const row = await this.lists.insert(m, {
        name: data.name!,
        description: data.description ?? null,
        listKey: newListKey(data.name!),
        isPublic: data.isPublic ?? false,
        optIn: data.optIn ?? 'double',
      });
      await this.audit.record(m, actor, {
        action: 'mailing_list.create',
        subjectType: 'mailing_list',
        subjectId: row.id,
        after: { name: row.name, isPublic: row.isPublic, optIn: row.optIn },
      });
      return row;
    });
    return toListView(list);
  }

  async update(actor: Actor, id: number, input: ListInput): Promise<ListView> {
    const patch = parse(input, false);
    await this.db.transaction(async (m) => {
      const before = await this.lists.findById(id, m);
      if (!before) throw AppError.notFound('list');
      const changed = Object.fromEntries(
        Object.entries(patch).filter(([k, v]) => v !== undefined && (before as unknown as Record<string, unknown>)[k] !== v),
      ) as Partial<Pick<MailingList, 'name' | 'description' | 'isPublic' | 'optIn'>>;
      if (!Object.keys(changed).length) return;
      await this.lists.update(m, id, changed);
      await this.audit.record(m, actor, {
        action: 'mailing_list.update',
        subjectType: 'mailing_list',
        subjectId: id,
        before: Object.fromEntries(Object.keys(changed).map((k) => [k, (before as unknown as Record<string, unknown>)[k]])),
        after: changed,
      });
    });
    return this.get(id);
  }

  /** Archived lists leave every form and stop taking subscribers; their subscriptions and history stay. */
  async setArchived(actor: Actor, id: number, archived: boolean): Promise<ListView> {
    await this.db.transaction(async (m) => {
      const list = await this.lists.findById(id, m);
      if (!list) throw AppError.notFound('list');
      if ((list.archivedAt !== null) === archived) return;
      await this.lists.update(m, id, { archivedAt: archived ? new Date() : null });
      await this.audit.record(m, actor, { action: archived ? 'mailing_list.archive' : 'mailing_list.unarchive', subjectType: 'mailing_list', subjectId: id });
    });
    return this.get(id);
  }
}

const truthy = (v: unknown) => v === true || v === 'true' || v === 'on' || v === '1' || v === 'yes';
const falsy = (v: unknown) => v === false || v === 'false' || v === 'off' || v === '0' || v === 'no' || v === '';

/** Checks a list's fields; on create the name is required and missing fields take their defaults. */
function parse(input: ListInput, creating: boolean): { name?: string; description?: string | null; isPublic?: boolean; optIn?: OptInMode } {
  const fields: Record<string, string> = {};
  const out: { name?: string; description?: string | null; isPublic?: boolean; optIn?: OptInMode } = {};
  if (input.name !== undefined || creating) {
    const name = typeof input.name === 'string' ? input.name.trim().replace(/\s+/g, ' ') : '';
    if (!name) fields.name = 'errors.required';
    else if (name.length > NAME_MAX) fields.name = 'errors.too_long';
    out.name = name;
  }
  if (input.description !== undefined && input.description !== null) {
    if (typeof input.description !== 'string') fields.description = 'mailing.errors.invalid';
    else if (input.description.trim().length > DESCRIPTION_MAX) fields.description = 'errors.too_long';
    else out.description = input.description.trim() || null;
  } else if (input.description === null) out.description = null;
  if (input.isPublic !== undefined) {
    if (truthy(input.isPublic)) out.isPublic = true;
    else if (falsy(input.isPublic)) out.isPublic = false;
    else fields.isPublic = 'mailing.errors.invalid';
  }
  if (input.optIn !== undefined) {
    if ((OPT_IN_MODES as readonly unknown[]).includes(input.optIn)) out.optIn = input.optIn as OptInMode;
    else fields.optIn = 'mailing.errors.opt_in';
  }
  if (Object.keys(fields).length) throw AppError.validation(fields);
  return out;
}
