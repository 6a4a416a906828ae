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
import { HeldOrdersService } from './held-orders.service';
import { BansModule } from '../../bans/bans.module';

/** Purchases from outside (the order webhook) and the order history. */
@Module({
  imports: [AuthModule, UsersModule, MembersModule, BansModule],
  controllers: [OrderWebhookController, OrdersController, OrdersApiController],
  providers: [OrdersRepository, OrdersService, OrderWebhookService, HeldOrdersService],
  exports: [OrdersRepository, OrdersService],
})
export class OrdersModule {}
