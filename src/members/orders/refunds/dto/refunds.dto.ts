import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { REFUND_ADAPTERS, REFUND_STATUSES } from '../entities/refund.entity';

export class RefundResponse {
  @ApiProperty() id: number;
  @ApiProperty() orderId: number;
  @ApiProperty({ description: 'The idempotency key sent to the provider', example: 'offboarding:12:34' }) key: string;
  @ApiProperty({ enum: REFUND_ADAPTERS }) adapter: string;
  @ApiProperty({ description: 'Minor units (kopecks, cents)', example: 50000 }) amountMinor: number;
  @ApiProperty({ example: '500.00' }) amount: string;
  @ApiProperty({ example: 'RUB' }) currency: string;
  @ApiProperty({ enum: REFUND_STATUSES }) status: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: "The refund's id at the provider, or the owner's reference for a manual one" }) providerRef: string | null;
  @ApiProperty() attempts: number;
  @ApiPropertyOptional({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty() requestedAt: Date;
  @ApiPropertyOptional({ nullable: true, type: Date }) finishedAt: Date | null;
  @ApiProperty({ description: 'A manual refund the owner still has to make and confirm' }) awaitsOwner: boolean;
}

export class ConfirmRefundDto {
  @ApiProperty({ example: 'R-2026-000123', description: "The refund's reference in your payment system" })
  @IsString({ message: 'is required' })
  @IsNotEmpty({ message: 'is required' })
  @MaxLength(191)
  reference: string;
}

export class FailRefundDto {
  @ApiProperty({ example: 'The card was closed; paid back by bank transfer instead' })
  @IsString({ message: 'is required' })
  @IsNotEmpty({ message: 'is required' })
  @MaxLength(500)
  reason: string;
}
