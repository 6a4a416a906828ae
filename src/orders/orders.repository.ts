import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.service';
import { Order } from './entities/order.entity';

@Injectable()
export class OrdersRepository {
  constructor(private readonly db: Database) {}

  listForClient(clientId: number): Promise<Order[]> {
    return this.db.manager.find(Order, { where: { clientId }, order: { paidAt: 'DESC', id: 'DESC' } });
  }
}
