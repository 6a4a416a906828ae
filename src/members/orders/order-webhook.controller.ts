import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { Ctx, Public } from '../../common/http/decorators';
import { RequestContext } from '../../common/http/request-context';
import { OrderWebhookService } from './order-webhook.service';

/** The selling platform's calls. No session or CSRF: the HMAC signature of the raw body is the credential. */
@ApiExcludeController()
@Controller('webhooks')
export class OrderWebhookController {
  constructor(private readonly webhook: OrderWebhookService) {}

  @Public()
  @Post('orders')
  @HttpCode(200)
  receive(@Req() req: Request & { rawBody?: Buffer }, @Ctx() ctx: RequestContext) {
    return this.webhook.handle(req.rawBody, req.get('x-kabinet-signature'), req.body, ctx.ip);
  }
}
