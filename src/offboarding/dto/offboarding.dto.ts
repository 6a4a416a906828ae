import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CASE_STATUSES, CaseStatus, OFFBOARDING_STEPS, STEP_STATUSES, StepName, StepStatus } from '../offboarding.contract';
import { MAX_BODY, MAX_BULK, MAX_EVIDENCE, MAX_EVIDENCE_LENGTH, MAX_REASON, MAX_SUBJECT } from '../offboarding-input';

export class NoticeDto {
  @ApiProperty({ maxLength: MAX_SUBJECT }) @IsString() @MaxLength(MAX_SUBJECT) subject: string;
  @ApiProperty({ maxLength: MAX_BODY, description: 'Plain text with {{variables}} (name, school, access_ends, refund, export_link, alternatives, contact)' })
  @IsString()
  @MaxLength(MAX_BODY)
  body: string;
}

export class RefundChoiceDto {
  @ApiProperty() @IsInt() @Min(1) orderId: number;
  @ApiProperty({ description: 'Minor units (kopecks, cents); never more than was paid less what was refunded' }) @IsInt() @Min(0) amountMinor: number;
}

class CaseOptionsDto {
  @ApiProperty({ maxLength: MAX_REASON, description: 'Private: never shown to the client' }) @IsString() @MaxLength(MAX_REASON) reason: string;

  @ApiPropertyOptional({ type: [String], enum: OFFBOARDING_STEPS, description: 'Default: all; the rest are recorded as skipped' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(OFFBOARDING_STEPS.length * 2)
  @IsIn(OFFBOARDING_STEPS, { each: true })
  steps?: StepName[];

  @ApiPropertyOptional({ description: '"now" (default), or an ISO date or timestamp: a bare date means the end of that day in the site time zone' })
  @IsOptional()
  @IsString()
  @ValidateIf((_, v) => v !== 'now')
  @IsISO8601({ strict: true }, { message: 'must be "now" or an ISO 8601 date' })
  when?: string;
}

export class OpenCaseDto extends CaseOptionsDto {
  @ApiPropertyOptional({ type: [String], description: 'Links to tickets and notes, private like the reason' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_EVIDENCE)
  @IsString({ each: true })
  @MaxLength(MAX_EVIDENCE_LENGTH, { each: true })
  evidence?: string[];

  @ApiPropertyOptional({ type: NoticeDto, description: 'The notice as edited; absent = the default template in the client\'s language' })
  @IsOptional()
  @ValidateNested()
  @Type(() => NoticeDto)
  notice?: NoticeDto;

  @ApiPropertyOptional({ type: [RefundChoiceDto], description: 'Per order; absent = every paid order, what is left of it' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => RefundChoiceDto)
  refunds?: RefundChoiceDto[];

  @ApiPropertyOptional({ type: [Number], description: 'The grants to end; absent = every running grant' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsInt({ each: true })
  @Min(1, { each: true })
  grantIds?: number[];

  @ApiPropertyOptional({ description: 'Ban the whole domain of the address too' }) @IsOptional() @IsBoolean() banDomain?: boolean;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'null or absent = the ban does not expire' })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsISO8601({ strict: true })
  banExpiresAt?: string | null;
}

export class BulkOpenDto extends CaseOptionsDto {
  @ApiProperty({ type: [Number], maxItems: MAX_BULK })
  @IsArray()
  @ArrayMaxSize(MAX_BULK)
  @IsInt({ each: true })
  @Min(1, { each: true })
  clientIds: number[];
}

export class StepDto {
  @ApiProperty({ enum: OFFBOARDING_STEPS }) @IsIn(OFFBOARDING_STEPS) step: StepName;
}

export class RetryDto {
  @ApiPropertyOptional({ enum: OFFBOARDING_STEPS, description: 'Absent = every failed or retrying step' }) @IsOptional() @IsIn(OFFBOARDING_STEPS) step?: StepName;
}

export class ReinstateDto {
  @ApiProperty({ type: [Number], description: 'Grants the revoke step ended, to put back with their original dates' })
  @IsArray()
  @ArrayMaxSize(1000)
  @IsInt({ each: true })
  grantIds: number[];
  @ApiProperty() @IsBoolean() liftBan: boolean;
  @ApiProperty() @IsBoolean() reopenAccount: boolean;
  @ApiProperty() @IsBoolean() sendWelcomeBack: boolean;
}

export class StepResponse {
  @ApiProperty({ enum: OFFBOARDING_STEPS }) name: StepName;
  @ApiProperty() position: number;
  @ApiProperty({ enum: STEP_STATUSES }) status: StepStatus;
  @ApiProperty() attempts: number;
  @ApiProperty() idempotencyKey: string;
  @ApiPropertyOptional({ nullable: true, type: String }) externalRef: string | null;
  @ApiPropertyOptional({ nullable: true, type: Object, description: 'What the step did (per step: see StepResults in the contract)' }) result: Record<string, unknown> | null;
  @ApiPropertyOptional({ nullable: true, type: String }) lastError: string | null;
  @ApiPropertyOptional({ nullable: true, type: Date }) nextAttemptAt: Date | null;
  @ApiPropertyOptional({ nullable: true, type: Date }) startedAt: Date | null;
  @ApiPropertyOptional({ nullable: true, type: Date }) finishedAt: Date | null;
  @ApiPropertyOptional({ nullable: true, type: String }) actorLabel: string | null;
}

class ClientRef {
  @ApiProperty() id: number;
  @ApiProperty() name: string;
  @ApiProperty() email: string;
}

class CaseAbilities {
  @ApiProperty() approve: boolean;
  @ApiProperty() cancel: boolean;
  @ApiProperty() reinstate: boolean;
}

export class CaseResponse {
  @ApiProperty() id: number;
  @ApiProperty({ enum: CASE_STATUSES }) status: CaseStatus;
  @ApiProperty({ type: ClientRef }) client: ClientRef;
  @ApiProperty({ description: 'Private' }) reason: string;
  @ApiProperty({ type: [String] }) evidence: string[];
  @ApiProperty() runAt: Date;
  @ApiProperty() createdAt: Date;
  @ApiProperty() createdBy: string;
  @ApiPropertyOptional({ nullable: true, type: String }) approvedBy: string | null;
  @ApiPropertyOptional({ nullable: true, type: Date }) approvedAt: Date | null;
  @ApiPropertyOptional({ nullable: true, type: Date }) startedAt: Date | null;
  @ApiPropertyOptional({ nullable: true, type: Date }) finishedAt: Date | null;
  @ApiPropertyOptional({ nullable: true, type: Date }) canceledAt: Date | null;
  @ApiPropertyOptional({ nullable: true, type: Object, description: 'The notice as sent: subject, body, locale, sentAt' }) noticeSent: unknown;
  @ApiProperty({ type: [StepResponse] }) steps: StepResponse[];
  @ApiPropertyOptional({ nullable: true, type: Object, description: 'at, by, result (grants restored, ban lifted, account reopened)' }) reinstatement: unknown;
  @ApiProperty({ type: CaseAbilities }) can: CaseAbilities;
}

export class OpenCaseResponse {
  @ApiProperty({ type: CaseResponse }) case: CaseResponse;
  @ApiProperty({ description: 'false: the client already had this case open (a repeat of the request)' }) created: boolean;
}

export class CaseListItemResponse {
  @ApiProperty() id: number;
  @ApiProperty({ enum: CASE_STATUSES }) status: CaseStatus;
  @ApiProperty({ type: ClientRef }) client: ClientRef;
  @ApiProperty() runAt: Date;
  @ApiProperty() createdAt: Date;
  @ApiProperty() createdBy: string;
  @ApiPropertyOptional({ nullable: true, type: Date }) finishedAt: Date | null;
}

export class CaseListResponse {
  @ApiProperty({ type: [CaseListItemResponse] }) items: CaseListItemResponse[];
  @ApiProperty() total: number;
}

class BulkOpened {
  @ApiProperty() clientId: number;
  @ApiProperty() caseId: number;
  @ApiProperty() created: boolean;
}

class BulkRefused {
  @ApiProperty() clientId: number;
  @ApiProperty({ example: 'offboarding.client_not_found' }) code: string;
}

export class BulkOpenResponse {
  @ApiProperty({ type: [BulkOpened] }) opened: BulkOpened[];
  @ApiProperty({ type: [BulkRefused] }) refused: BulkRefused[];
}
