import { Module } from '@nestjs/common';
import { OrdersApiController } from './orders.api.controller';
import { AuthModule } from '../../auth/auth.module';
import { UsersModule } from '../../users/users.module';
import { MembersModule } from '../members.module';
import { OrderWebhookController } from './order-webhook.controller';
import { OrderWebhookService } from './order-webhook.service';
import { OrdersController } from './orders.controller';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';
import { RefundAdapters } from './refunds/refund-adapters';
import { RefundsApiController } from './refunds/refunds.api.controller';
import { RefundWebhooksController } from './refunds/refund-webhooks.controller';
import { RefundWebhooksService } from './refunds/refund-webhooks.service';
import { RefundsRepository } from './refunds/refunds.repository';
import { RefundsService } from './refunds/refunds.service';
import { HeldOrdersService } from './held-orders.service';
import { BansModule } from '../../bans/bans.module';

/**
 * Purchases from outside (the order webhook), the order history, and refunds of orders through a payment adapter
 * (`refunds/`: RefundsService is what the offboarding refund step calls).
 */
@Module({
  imports: [AuthModule, UsersModule, MembersModule, BansModule],
  controllers: [OrderWebhookController, OrdersController, OrdersApiController, RefundWebhooksController, RefundsApiController],
  providers: [OrdersRepository, OrdersService, OrderWebhookService, HeldOrdersService, RefundAdapters, RefundsRepository, RefundsService, RefundWebhooksService],
  exports: [OrdersRepository, OrdersService, RefundAdapters, RefundsRepository, RefundsService],
})
export class OrdersModule {}
