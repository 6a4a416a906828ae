import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsNotEmpty, IsOptional, IsString, MaxLength, Min, ValidateIf } from 'class-validator';
import { IsEmailAddress } from '../../common/http/input-fields';
import { Locale, LOCALES } from '../../config/config';
import { GRANT_SOURCES } from '../../members/access/entities/grant.entity';

export class CreateClientDto {
  @ApiProperty({ example: 'anna@example.com', maxLength: 254 })
  @IsEmailAddress()
  email: string;

  @ApiPropertyOptional({ example: 'Anna' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ enum: LOCALES, description: "The client's language (mail and pages); absent = the site's default" })
  @IsOptional()
  @IsIn(LOCALES)
  locale?: Locale;

  @ApiPropertyOptional({ default: true, description: 'Queue the welcome mail with a link to choose a password' })
  @IsOptional()
  @IsBoolean()
  welcome?: boolean;
}

export class CreateGrantDto {
  @ApiProperty({ example: 1 })
  @IsInt({ message: 'must be a product id' })
  @Min(1)
  productId: number;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'null or absent = forever. A bare date (2027-03-31) means through the end of that day in the site time zone; a time without an offset is read in the site time zone.' })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date, or null for forever' })
  endsAt?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

export class RevokeGrantDto {
  @ApiProperty({ example: 'Refund outside the platform' })
  @IsString({ message: 'is required' })
  @IsNotEmpty({ message: 'is required' })
  @MaxLength(1000)
  reason: string;
}

export class ClientLabelResponse {
  @ApiProperty() id: number;
  @ApiProperty() name: string;
}

export class ClientResponse {
  @ApiProperty() id: number;
  @ApiProperty() email: string;
  @ApiProperty() name: string;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ type: [ClientLabelResponse] }) labels: ClientLabelResponse[];
}

export class ClientListResponse {
  @ApiProperty({ type: [ClientResponse] }) items: ClientResponse[];
  @ApiProperty() total: number;
}

export class GrantResponse {
  @ApiProperty() id: number;
  @ApiProperty() productId: number;
  @ApiProperty() startsAt: Date;
  @ApiProperty({ type: Date, nullable: true, description: 'null = forever' }) endsAt: Date | null;
  @ApiProperty({ description: 'Gives access right now' }) active: boolean;
  @ApiProperty({ enum: GRANT_SOURCES }) source: string;
  @ApiProperty({ type: Date, nullable: true }) revokedAt: Date | null;
}

export class GrantListResponse {
  @ApiProperty({ type: [GrantResponse] }) items: GrantResponse[];
  @ApiProperty() total: number;
}

export class ClientListQuery {
  @ApiPropertyOptional({ description: 'Exact email, case-insensitive' }) email?: string;
  @ApiPropertyOptional({ default: 50 }) limit?: number;
  @ApiPropertyOptional({ default: 0 }) offset?: number;
}
