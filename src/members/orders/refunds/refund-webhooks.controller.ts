import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { Ctx, Public } from '../../../common/http/decorators';
import { RequestContext } from '../../../common/http/request-context';
import { RefundWebhooksService } from './refund-webhooks.service';

/**
 * The payment providers' refund notifications. No session, no CSRF (`/webhooks/` is a machine path): Stripe's
 * signature over the raw body, or YooKassa's address and a fetch of the refund, is the credential.
 */
@ApiExcludeController()
@Controller('webhooks')
export class RefundWebhooksController {
  constructor(private readonly webhooks: RefundWebhooksService) {}

  @Public()
  @Post('stripe')
  @HttpCode(200)
  stripe(@Req() req: Request & { rawBody?: Buffer }, @Ctx() ctx: RequestContext) {
    return this.webhooks.stripe(req.rawBody, req.get('stripe-signature'), ctx.ip);
  }

  @Public()
  @Post('yookassa')
  @HttpCode(200)
  yookassa(@Req() req: Request & { rawBody?: Buffer }, @Ctx() ctx: RequestContext) {
    return this.webhooks.yookassa(req.rawBody, ctx.ip);
  }
}
