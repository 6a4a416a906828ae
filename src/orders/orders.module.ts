import { Global, Module } from '@nestjs/common';
import { OrdersRepository } from './orders.repository';

/** Purchases from outside (the order webhook) and the order history. */
@Global()
@Module({ providers: [OrdersRepository], exports: [OrdersRepository] })
export class OrdersModule {}
