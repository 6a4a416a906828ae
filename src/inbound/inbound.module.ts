import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { AddressTokens } from './address-tokens';
import { InboundMessagesRepository } from './inbound-messages.repository';
import { InboundReceiver } from './inbound-receiver';
import { InboundRegistry } from './inbound-registry';
import { INBOUND_ENABLED, InboundServer } from './inbound.server';

/**
 * Inbound mail: the one listener, the handler registry features plug into, the signed reply+/bounce+ addresses.
 * Global, like mail: any feature registers a handler, and the senders sign their return paths.
 */
@Global()
@Module({})
export class InboundModule {
  static forRoot(enabled: boolean): DynamicModule {
    return {
      module: InboundModule,
      providers: [
        { provide: INBOUND_ENABLED, useValue: enabled },
        { provide: AddressTokens, inject: [APP_CONFIG], useFactory: (c: AppConfig) => new AddressTokens(c.secretKey) },
        InboundRegistry,
        InboundMessagesRepository,
        InboundReceiver,
        InboundServer,
      ],
      exports: [AddressTokens, InboundRegistry, InboundServer, InboundMessagesRepository],
    };
  }
}
