import { Injectable } from '@nestjs/common';
import { AppError } from '../../../common/errors/app-error';
import { ProductsRepository } from '../../../members/catalogue/products.repository';
import { ListsRepository } from '../../lists/lists.repository';

/** The audience rule shared by saving a draft and starting a send: lists exist and are not archived, products exist. */
@Injectable()
export class CampaignAudience {
  constructor(
    private readonly lists: ListsRepository,
    private readonly products: ProductsRepository,
  ) {}

  async check(listIds: number[], productIds: number[]): Promise<void> {
    const fields = await this.problems(listIds, productIds);
    if (Object.keys(fields).length) throw AppError.validation(fields);
  }

  /** Field → message for each part of the audience that is not right; empty when it is. */
  async problems(listIds: number[], productIds: number[]): Promise<Record<string, string>> {
    const fields: Record<string, string> = {};
    const [lists, products] = await Promise.all([this.lists.findByIds(listIds), this.products.findByIds(productIds)]);
    const found = new Map(lists.map((l) => [l.id, l]));
    if (listIds.some((id) => !found.has(id))) fields.lists = 'mailing.campaigns.errors.list_unknown';
    else if (lists.some((l) => l.archivedAt)) fields.lists = 'mailing.campaigns.errors.list_archived';
    if (products.length !== productIds.length) fields.products = 'mailing.campaigns.errors.product_unknown';
    if (!listIds.length && !productIds.length) fields.lists = 'mailing.campaigns.errors.audience_required';
    return fields;
  }
}
