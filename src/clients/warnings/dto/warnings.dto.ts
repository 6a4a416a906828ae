import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Min, ValidateIf } from 'class-validator';
import { FormList, FormText } from '../../../common/http/input-fields';

/** POST /api/admin/clients/{id}/warnings. Lengths and required fields are checked by the service, for the form alike. */
export class CreateWarningDto {
  @ApiProperty({ description: 'The original terms, as the client will read them (plain text, up to 4000 characters)', example: 'Watercolour basics: 12 lessons and one review of homework a week.' })
  @IsString()
  terms: string;

  @ApiProperty({ type: [Number], description: "The client's tickets that went beyond the terms (1–30); the mail lists their subjects. Another client's ticket is refused (422)." })
  @IsArray()
  @ArrayMaxSize(30)
  @IsInt({ each: true })
  @Min(1, { each: true })
  requestTicketIds: number[];

  @ApiProperty({ description: 'The new estimate for the extra work: price and scope, free text (up to 2000 characters)', example: 'Weekly one-to-one reviews: 4 000 ₽ a month.' })
  @IsString()
  estimate: string;

  @ApiPropertyOptional({ description: "The mail's opening paragraph; absent or empty = the default in the client's language" })
  @IsOptional()
  @IsString()
  intro?: string;

  @ApiPropertyOptional({ type: String, format: 'date', nullable: true, description: 'YYYY-MM-DD (site time zone), today or later: that day the owner is reminded by mail. Absent or null = no follow-up.' })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  followUpOn?: string | null;
}

/** The page's form: the picked tickets are a checkbox group. */
export class WarningForm {
  @FormText() terms?: string;
  @FormList(60) requests?: string[];
  @FormText() estimate?: string;
  @FormText() intro?: string;
  @FormText() followUpOn?: string;
  @FormText() token?: string;
}

export class WarningRequestResponse {
  @ApiProperty() ticketId: number;
  @ApiProperty() subject: string;
}

export class WarningResponse {
  @ApiProperty() id: number;
  @ApiProperty() clientId: number;
  @ApiProperty() createdAt: Date;
  @ApiPropertyOptional({ nullable: true, type: String }) createdByName: string | null;
  @ApiProperty() terms: string;
  @ApiProperty({ type: [WarningRequestResponse] }) requests: WarningRequestResponse[];
  @ApiProperty() estimate: string;
  @ApiProperty() intro: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date' }) followUpOn: string | null;
  @ApiPropertyOptional({ nullable: true, type: Date }) followUpDoneAt: Date | null;
  @ApiPropertyOptional({ nullable: true, type: String }) followUpDoneByName: string | null;
  @ApiPropertyOptional({ nullable: true, type: Date, description: 'When the owner was reminded of the follow-up' }) remindedAt: Date | null;
  @ApiProperty({ description: 'The follow-up date has come and it is not marked done' }) followUpDue: boolean;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'The mail in the outbox' }) outboxId: number | null;
  @ApiProperty({ enum: ['ru', 'en'] }) locale: string;
  @ApiProperty() subject: string;
  @ApiProperty({ description: 'The plain-text part as sent' }) bodyText: string;
}

export class WarningListResponse {
  @ApiProperty({ type: [WarningResponse] }) items: WarningResponse[];
}
