import { Module } from '@nestjs/common';

/** Single-use keys that open a product: generated in batches by staff, redeemed by clients. */
@Module({})
export class AccessKeysModule {}
