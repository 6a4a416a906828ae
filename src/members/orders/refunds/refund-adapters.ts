import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../../../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { Order } from '../entities/order.entity';
import { RefundAdapterName } from './entities/refund.entity';
import { HttpRefundAdapter } from './adapters/http.adapter';
import { ManualRefundAdapter } from './adapters/manual.adapter';
import { StripeRefundAdapter } from './adapters/stripe.adapter';
import { YookassaRefundAdapter } from './adapters/yookassa.adapter';
import { RefundAdapter } from './refund-adapter';

/**
 * The configured adapters, and the rule of which one refunds an order: the provider that took the payment when
 * the order names it (and its payment id) and that provider is configured; else the seller's own endpoint
 * (`http`) when REFUND_HTTP_URL is set; else `manual`. The choice is stored on the refund row, so a resume uses
 * the same adapter even if the configuration changed meanwhile.
 */
@Injectable()
export class RefundAdapters {
  private readonly adapters = new Map<RefundAdapterName, RefundAdapter>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { refunds } = config;
    this.adapters.set('manual', new ManualRefundAdapter());
    if (refunds.http) this.adapters.set('http', new HttpRefundAdapter({ ...refunds.http, timeoutMs: refunds.timeoutMs }));
    if (refunds.yookassa) this.adapters.set('yookassa', new YookassaRefundAdapter({ ...refunds.yookassa, timeoutMs: refunds.timeoutMs }));
    if (refunds.stripe) this.adapters.set('stripe', new StripeRefundAdapter({ ...refunds.stripe, timeoutMs: refunds.timeoutMs }));
  }

  choose(order: Pick<Order, 'paymentProvider' | 'paymentRef' | 'externalId'>): { adapter: RefundAdapterName; orderRef: string } {
    if (order.paymentProvider && order.paymentRef && this.adapters.has(order.paymentProvider)) return { adapter: order.paymentProvider, orderRef: order.paymentRef };
    if (this.adapters.has('http')) return { adapter: 'http', orderRef: order.externalId };
    return { adapter: 'manual', orderRef: order.externalId };
  }

  get(name: RefundAdapterName): RefundAdapter {
    const a = this.adapters.get(name);
    if (!a) throw new AppError('unavailable', 'refunds.adapter_off', `The ${name} refund adapter is not configured any more; configure it again to finish this refund`);
    return a;
  }

  yookassa(): YookassaRefundAdapter | null {
    return (this.adapters.get('yookassa') as YookassaRefundAdapter | undefined) ?? null;
  }
}
