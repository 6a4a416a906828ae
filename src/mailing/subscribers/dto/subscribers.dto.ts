import { ApiProperty, ApiPropertyOptional, getSchemaPath, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsIP, IsOptional, IsString, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { SUPPRESSION_REASONS } from '../entities/subscriber.entity';
import { SUBSCRIPTION_STATUSES } from '../entities/subscription.entity';

/**
 * Sources an API caller may state. The others describe the person's own verified acts (a signed link, their
 * account) or suppressions, which an integration cannot claim; `form` means "the person filled in a form on our
 * site", so double opt-in lists send their confirmation mail as the subscribe page would.
 */
export const API_CONSENT_SOURCES = ['api', 'form', 'import', 'purchase', 'admin'] as const;
export type ApiConsentSource = (typeof API_CONSENT_SOURCES)[number];

export class NewSubscriberDto {
  @ApiProperty({ example: 'anna@example.com' })
  @IsString({ message: 'is required' })
  @MaxLength(254)
  email: string;

  @ApiPropertyOptional({ example: 'Anna' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ enum: API_CONSENT_SOURCES, default: 'api' })
  @IsOptional()
  @IsIn(API_CONSENT_SOURCES, { message: `must be one of ${API_CONSENT_SOURCES.join(', ')}` })
  source?: ApiConsentSource;

  @ApiPropertyOptional({ enum: ['ru', 'en'], description: 'Language of the mail they get' })
  @IsOptional()
  @IsIn(['ru', 'en'], { message: 'must be ru or en' })
  locale?: 'ru' | 'en';

  @ApiPropertyOptional({ description: "The person's IP address as your site saw it, kept in the consent record (default: the caller's)" })
  @IsOptional()
  @IsIP(undefined, { message: 'must be an IP address' })
  ip?: string;
}

/**
 * Either one subscriber (email, name, source, locale, ip) or `subscribers`: up to 1000 of them. The single
 * form's fields and their rules are NewSubscriberDto's; only `email` is required just when `subscribers` is absent.
 */
export class AddSubscribersDto extends OmitType(NewSubscriberDto, ['email'] as const) {
  @ApiPropertyOptional({ example: 'anna@example.com', description: 'Required unless `subscribers` is given' })
  @ValidateIf((o: AddSubscribersDto) => o.subscribers === undefined)
  @IsString({ message: 'is required' })
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ type: [NewSubscriberDto], description: 'Several at once (instead of email/name/source)' })
  @ValidateIf((o: AddSubscribersDto) => o.subscribers !== undefined)
  @IsArray({ message: 'must be an array' })
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => NewSubscriberDto)
  subscribers?: NewSubscriberDto[];
}

export const SUBSCRIBE_OUTCOMES = ['subscribed', 'pending', 'already', 'kept_unsubscribed', 'suppressed', 'invalid'] as const;

export class SubscribeOutcomeResponse {
  @ApiProperty() email: string;
  @ApiProperty({ type: Number, nullable: true, description: 'null when the address was invalid' }) subscriberId: number | null;
  @ApiProperty({ description: 'A new subscriber was created' }) created: boolean;
  @ApiProperty({
    enum: SUBSCRIBE_OUTCOMES,
    description:
      'subscribed: confirmed now; pending: a confirmation mail was sent; already: was confirmed; kept_unsubscribed: the person had unsubscribed ' +
      'and only their own new opt-in brings them back; suppressed: bounced, complained or banned; invalid: see error',
  })
  outcome: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'Invalid fields (outcome invalid)' })
  error?: Record<string, string>;
}

export class SubscribeBatchResponse {
  @ApiProperty({ type: [SubscribeOutcomeResponse] }) items: SubscribeOutcomeResponse[];
}

export class MembershipResponse {
  @ApiProperty() listId: number;
  @ApiProperty({ enum: SUBSCRIPTION_STATUSES }) status: string;
}

export class SubscriberResponse {
  @ApiProperty() id: number;
  @ApiProperty() email: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, nullable: true, enum: ['ru', 'en'] }) locale: string | null;
  @ApiProperty({ type: [MembershipResponse] }) lists: MembershipResponse[];
  @ApiProperty({
    oneOf: [{ type: 'boolean', enum: [false] }, { type: 'string', enum: [...SUPPRESSION_REASONS] }],
    description: 'false, or why no marketing mail goes to this address',
  })
  suppressed: false | string;
  @ApiProperty() createdAt: Date;
}

export class SubscriberListResponse {
  @ApiProperty({ type: [SubscriberResponse] }) items: SubscriberResponse[];
  @ApiProperty() total: number;
}

export const subscribeResponseSchema = { oneOf: [{ $ref: getSchemaPath(SubscribeOutcomeResponse) }, { $ref: getSchemaPath(SubscribeBatchResponse) }] };
