import { Global, Module } from '@nestjs/common';
import { OrdersApiController } from './orders.api.controller';
import { AuthModule } from '../../auth/auth.module';
import { OrderWebhookController } from './order-webhook.controller';
import { OrderWebhookService } from './order-webhook.service';
import { OrdersController } from './orders.controller';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

/** Purchases from outside (the order webhook) and the order history. */
@Global()
@Module({
  imports: [AuthModule],
  controllers: [OrderWebhookController, OrdersController, OrdersApiController],
  providers: [OrdersRepository, OrdersService, OrderWebhookService],
  exports: [OrdersRepository, OrdersService],
})
export class OrdersModule {}
