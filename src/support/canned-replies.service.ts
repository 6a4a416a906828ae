import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import { isOneLine } from '../common/text';
import { Database } from '../database/database.service';
import { cannedTemplateProblems, CANNED_VARIABLES } from './canned-template';
import { bodyOf, FieldErrors, Q } from './ticket-input';
import { TicketsRepository } from './tickets.repository';

export interface CannedView {
  id: number;
  title: string;
  body: string;
  updatedAt: Date;
}

/** Canned replies: a title and a body with {{name}}, {{product}}, {{ticket}}; an unknown variable is refused at save time. */
@Injectable()
export class CannedRepliesService {
  readonly variables = CANNED_VARIABLES;

  constructor(
    private readonly db: Database,
    private readonly tickets: TicketsRepository,
  ) {}

  async list(): Promise<CannedView[]> {
    return (await this.tickets.listCanned()).map(toView);
  }

  async get(id: number): Promise<CannedView> {
    const c = await this.tickets.findCanned(id);
    if (!c) throw AppError.notFound('canned reply');
    return toView(c);
  }

  async create(input: Q): Promise<CannedView> {
    const data = parse(input);
    return toView(await this.db.transaction((m) => this.tickets.insertCanned(m, data)));
  }

  async update(id: number, input: Q): Promise<void> {
    await this.get(id);
    const data = parse(input);
    await this.db.transaction((m) => this.tickets.updateCanned(m, id, data));
  }

  async delete(id: number): Promise<void> {
    await this.get(id);
    await this.db.transaction((m) => this.tickets.deleteCanned(m, id));
  }
}

function parse(input: Q): { title: string; body: string } {
  const e = new FieldErrors();
  const title = (input.title ?? '').trim();
  if (!title) e.add('title', 'tickets.errors.title_required');
  else if (!isOneLine(title) || title.length > 200) e.add('title', 'tickets.errors.too_long');
  const body = bodyOf(input.body, e);
  if (!e.fields.body) {
    const bad = cannedTemplateProblems(body);
    // 422 rather than 400: the form's message names the variables (field messages take no values)
    if (bad.length) throw new AppError('unprocessable', 'tickets.unknown_variable', 'tickets.errors.unknown_variables', { body: 'tickets.errors.unknown_variable' }, { variables: bad.join(', ') });
  }
  e.throwIfAny();
  return { title, body };
}

function toView(c: { id: number; title: string; body: string; updatedAt: Date }): CannedView {
  return { id: c.id, title: c.title, body: c.body, updatedAt: c.updatedAt };
}
