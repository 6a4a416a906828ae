import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, MaxLength, Min, ValidateIf } from 'class-validator';
import { MESSAGE_KINDS, TICKET_PRIORITIES, TICKET_STATUSES, TICKET_TYPES } from '../entities/ticket.entity';
import { TICKET_BODY_MAX } from '../ticket-attachments';

export class TicketMessageDto {
  @ApiProperty({ enum: ['reply', 'note'], description: '`reply` is mailed to the client; `note` is internal, never shown to the client' })
  @IsIn(['reply', 'note'], { message: 'must be reply or note' })
  kind: 'reply' | 'note';

  @ApiProperty({ maxLength: TICKET_BODY_MAX })
  @IsString({ message: 'is required' })
  @MaxLength(TICKET_BODY_MAX)
  body: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 1440, nullable: true, description: 'Minutes spent on it' })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsInt({ message: 'must be a whole number of minutes' })
  @Min(0)
  minutes?: number | null;

  @ApiPropertyOptional({ enum: TICKET_STATUSES, description: 'Replies only: the status after the reply (default waiting_for_client)' })
  @IsOptional()
  @IsIn(TICKET_STATUSES)
  status?: string;
}

/** The same message as multipart/form-data, with its file (OpenAPI only: the form is read by receiveTicketForm). */
export class TicketMessageFormDto extends TicketMessageDto {
  @ApiPropertyOptional({ type: 'string', format: 'binary', description: 'multipart/form-data only: one file, sent after the other fields' })
  file?: unknown;
}

export class UpdateTicketDto {
  @ApiPropertyOptional({ enum: TICKET_STATUSES })
  @IsOptional()
  @IsIn(TICKET_STATUSES)
  status?: string;

  @ApiPropertyOptional({ enum: TICKET_PRIORITIES })
  @IsOptional()
  @IsIn(TICKET_PRIORITIES)
  priority?: string;

  @ApiPropertyOptional({ nullable: true, description: 'A staff user id; null = unassigned' })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsInt({ message: 'must be a user id or null' })
  @Min(1)
  assigneeId?: number | null;
}

export class TicketResponse {
  @ApiProperty() id: number;
  @ApiProperty() subject: string;
  @ApiProperty({ enum: TICKET_TYPES }) type: string;
  @ApiProperty({ enum: TICKET_STATUSES }) status: string;
  @ApiProperty({ enum: TICKET_PRIORITIES }) priority: string;
  @ApiProperty({ nullable: true, type: Number }) clientId: number | null;
  @ApiProperty({ nullable: true, type: String }) clientEmail: string | null;
  @ApiProperty({ nullable: true, type: String, description: '"Not a client yet": the sender of an inbound mail' }) externalEmail: string | null;
  @ApiProperty({ nullable: true, type: Number }) productId: number | null;
  @ApiProperty({ nullable: true, type: Number }) assigneeId: number | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() lastActivityAt: Date;
  @ApiProperty({ nullable: true, type: Date, description: 'Since when the client waits for staff' }) waitingSince: Date | null;
  @ApiProperty({ nullable: true, type: Date }) firstResponseAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) closedAt: Date | null;
  @ApiProperty({ nullable: true, type: Number }) previousTicketId: number | null;
}

export class TicketListResponse {
  @ApiProperty({ type: [TicketResponse] }) items: TicketResponse[];
  @ApiProperty() total: number;
  @ApiProperty({ description: 'Tickets per status under the other filters (plus active and all)', type: 'object', additionalProperties: { type: 'number' } })
  counts: Record<string, number>;
}

export class TicketAttachmentResponse {
  @ApiProperty() id: number;
  @ApiProperty({ description: 'As the sender named it (shown escaped; served as a download)' }) name: string;
  @ApiProperty() sizeBytes: number;
}

export class TicketMessageResponse {
  @ApiProperty() id: number;
  @ApiProperty({ enum: MESSAGE_KINDS }) kind: string;
  @ApiProperty({ nullable: true, type: Number }) authorId: number | null;
  @ApiProperty() body: string;
  @ApiProperty({ nullable: true, type: Number }) minutes: number | null;
  @ApiProperty({ description: 'Our Message-ID, as mailed' }) messageId: string;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ type: [TicketAttachmentResponse] }) attachments: TicketAttachmentResponse[];
}

export class TicketDetailResponse extends TicketResponse {
  @ApiProperty({ description: 'Minutes spent on the ticket, all replies and notes' }) minutesTotal: number;
  @ApiProperty({ type: [TicketMessageResponse] }) messages: TicketMessageResponse[];
}
