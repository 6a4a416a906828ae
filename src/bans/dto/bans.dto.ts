import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsISO8601, IsNotEmpty, IsOptional, IsString, MaxLength, Min, ValidateIf } from 'class-validator';
import { BAN_KINDS, BanKind } from '../entities/ban.entity';

export class BanResponse {
  @ApiProperty() id: number;
  @ApiProperty({ enum: BAN_KINDS }) kind: BanKind;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'The identity key of the address (jdoe@gmail.com for J.Doe+x@googlemail.com) or the domain; null once anonymised' })
  target: string | null;
  @ApiProperty({ description: 'Private: for staff only, never shown to the person' }) reason: string;
  @ApiProperty({ enum: ['active', 'lifted', 'expired'] }) state: 'active' | 'lifted' | 'expired';
  @ApiPropertyOptional({ nullable: true, type: Date }) expiresAt: Date | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'The offboarding case that banned' }) caseId: number | null;
  @ApiProperty() createdAt: Date;
  @ApiPropertyOptional({ nullable: true, type: String }) createdByName: string | null;
  @ApiPropertyOptional({ nullable: true, type: Date }) liftedAt: Date | null;
  @ApiPropertyOptional({ nullable: true, type: String }) liftedByName: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) liftReason: string | null;
}

export class BanListResponse {
  @ApiProperty({ type: [BanResponse] }) items: BanResponse[];
  @ApiProperty() total: number;
}

export class CreateBanDto {
  @ApiPropertyOptional({ example: 'J.Doe+courses@googlemail.com', description: 'An address: its identity is banned. Give this or domain.' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ example: 'spam.example', description: 'A whole domain. Give this or email.' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  domain?: string;

  @ApiProperty({ description: 'Private reason, for staff', maxLength: 2000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'null or absent = no expiry. A bare date means through the end of that day in the site time zone.' })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date, or null for no expiry' })
  expiresAt?: string | null;

  @ApiPropertyOptional({ type: Number, nullable: true })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsInt()
  @Min(1)
  caseId?: number | null;
}

export class LiftBanDto {
  @ApiProperty({ description: 'Why the ban is lifted', maxLength: 2000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason: string;
}
