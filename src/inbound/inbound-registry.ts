import { Injectable, Logger } from '@nestjs/common';
import { InboundAddress, parseAddress } from './address-tokens';
import { InboundClaimResult, InboundHandler, InboundRefusal } from './inbound.types';

export interface InboundClaim {
  handler: InboundHandler;
  address: string;
  data: unknown;
}

/**
 * The handlers features registered, asked in registration order at RCPT TO. Nest has no multi-providers, so
 * each feature injects this and calls `register()` in its `onModuleInit()`; the listener starts after every
 * module is initialised (`onApplicationBootstrap`), so no mail arrives before all handlers are in.
 */
@Injectable()
export class InboundRegistry {
  private readonly logger = new Logger('InboundRegistry');
  private readonly handlers: InboundHandler[] = [];

  register(handler: InboundHandler): void {
    if (this.handlers.some((h) => h.name === handler.name)) throw new Error(`inbound handler ${handler.name} registered twice`);
    this.handlers.push(handler);
  }

  get names(): string[] {
    return this.handlers.map((h) => h.name);
  }

  /** The claim of the first handler that takes the address; throws InboundRefusal (5xx) when it is refused or nobody's. */
  async claim(rawAddress: string): Promise<InboundClaim> {
    const rcpt: InboundAddress | null = parseAddress(rawAddress);
    if (!rcpt) throw new InboundRefusal(553, '5.1.3', 'Bad recipient address syntax');
    for (const handler of this.handlers) {
      let result: InboundClaimResult<unknown> | null;
      try {
        result = await handler.claim(rcpt);
      } catch (e) {
        if (e instanceof InboundRefusal) throw e;
        this.logger.error(`${handler.name} failed to judge ${rcpt.address}: ${(e as Error).stack ?? e}`);
        throw Object.assign(new Error('4.3.0 Temporary failure, try again later'), { responseCode: 451 });
      }
      if (!result) continue;
      if (!result.accept) throw result.refusal;
      return { handler, address: rcpt.address, data: result.data };
    }
    throw new InboundRefusal(550, '5.1.1', `No such recipient here: ${rcpt.address}`);
  }
}
