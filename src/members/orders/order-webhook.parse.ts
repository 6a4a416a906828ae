import { AppError } from '../../common/errors/app-error';
import { isEmail } from '../../common/email';
import { isOneLine } from '../../common/text';
import { PAYMENT_PROVIDERS, PaymentProvider } from './entities/order.entity';

export type OrderEvent = 'order.paid' | 'order.refunded';

export interface OrderWebhookInput {
  event: OrderEvent;
  orderId: string;
  email: string;
  name: string;
  product: string;
  amountMinor: number;
  currency: string;
  paidAt: Date;
  /** Who took the payment and its id there, when the platform says so: a refund then goes through that provider. */
  paymentProvider: PaymentProvider | null;
  paymentRef: string | null;
}

export type RefundInput = Pick<OrderWebhookInput, 'event' | 'orderId'>;

const AMOUNT_RE = /^(\d{1,13})(?:\.(\d{1,2}))?$/;
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** "1990.5" → 199050, by string arithmetic: floats would turn 0.29 into 28 kopecks. */
export function toMinorUnits(amount: string): number | null {
  const m = AMOUNT_RE.exec(amount);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/**
 * Checks every field at once so the seller's integration sees all its mistakes in one answer. A refund needs
 * only the event and the order id; the other fields are still checked when present.
 */
export function parseOrderWebhook(body: unknown): OrderWebhookInput | RefundInput {
  const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  // The body is read here, not by InputPipe (its signature is checked on the raw bytes first), so the same rule
  // applies here: one-line text only, or the field is invalid like any other malformed value.
  const str = (k: string) => (typeof b[k] === 'string' && isOneLine(b[k] as string) ? (b[k] as string) : undefined);
  const event = str('event');
  if (event !== 'order.paid' && event !== 'order.refunded') fields.event = 'must be "order.paid" or "order.refunded"';
  const full = event !== 'order.refunded';
  const need = (k: string) => full || b[k] !== undefined;

  const orderId = str('orderId')?.trim() ?? '';
  if (!orderId || orderId.length > 191) fields.orderId = 'must be a non-empty string of up to 191 characters';
  const email = str('email')?.trim() ?? '';
  if (need('email') && !isEmail(email)) fields.email = 'must be a valid email address';
  const name = b.name === undefined || b.name === null ? '' : str('name');
  if (name === undefined || name.length > 200) fields.name = 'must be a string of up to 200 characters';
  const product = str('product')?.trim() ?? '';
  if (need('product') && (!product || product.length > 100)) fields.product = 'must be a product slug';
  const amount = str('amount');
  const amountMinor = amount === undefined ? null : toMinorUnits(amount);
  if (need('amount') && amountMinor === null) fields.amount = 'must be a decimal string with up to 2 decimals, e.g. "1990.00"';
  const currency = str('currency') ?? '';
  if (need('currency') && !/^[A-Z]{3}$/.test(currency)) fields.currency = 'must be 3 upper-case letters, e.g. "RUB"';
  const paidAtRaw = str('paidAt') ?? '';
  const paidAt = new Date(paidAtRaw);
  if (need('paidAt') && (!ISO_RE.test(paidAtRaw) || Number.isNaN(paidAt.getTime()))) fields.paidAt = 'must be an ISO 8601 date-time, e.g. "2026-11-23T10:00:00Z"';

  const provider = b.paymentProvider === undefined || b.paymentProvider === null ? null : str('paymentProvider');
  if (provider !== null && !(PAYMENT_PROVIDERS as readonly (string | undefined)[]).includes(provider)) fields.paymentProvider = `must be one of ${PAYMENT_PROVIDERS.join(', ')}`;
  const paymentRef = b.paymentId === undefined || b.paymentId === null ? null : (str('paymentId')?.trim() ?? '');
  if (paymentRef !== null && (!paymentRef || paymentRef.length > 191)) fields.paymentId = 'must be a non-empty string of up to 191 characters';
  if ((provider === null) !== (paymentRef === null) && !fields.paymentProvider && !fields.paymentId) fields[provider === null ? 'paymentProvider' : 'paymentId'] = 'paymentProvider and paymentId go together';

  if (Object.keys(fields).length) throw AppError.validation(fields, 'Some fields are missing or invalid');
  if (!full) return { event: 'order.refunded', orderId };
  return { event: 'order.paid', orderId, email, name: (name ?? '').trim(), product: product.toLowerCase(), amountMinor: amountMinor!, currency, paidAt, paymentProvider: (provider as PaymentProvider | null) ?? null, paymentRef };
}
