import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { OPT_IN_MODES } from '../entities/mailing-list.entity';

export class CreateListDto {
  @ApiProperty({ example: 'Newsletter' })
  @IsString({ message: 'is required' })
  @IsNotEmpty({ message: 'is required' })
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Monthly news' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional({ enum: OPT_IN_MODES, default: 'double', description: 'double: people who subscribe themselves confirm by mail' })
  @IsOptional()
  @IsIn(OPT_IN_MODES, { message: `must be one of ${OPT_IN_MODES.join(', ')}` })
  optIn?: 'single' | 'double';

  @ApiPropertyOptional({ default: false, description: 'Offered on the public subscribe form' })
  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  public?: boolean;
}

export class UpdateListDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty({ message: 'must not be empty' })
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional({ enum: OPT_IN_MODES })
  @IsOptional()
  @IsIn(OPT_IN_MODES, { message: `must be one of ${OPT_IN_MODES.join(', ')}` })
  optIn?: 'single' | 'double';

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  public?: boolean;

  @ApiPropertyOptional({ description: 'true archives the list (no new subscribers, off every form); false brings it back' })
  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  archived?: boolean;
}

export class ListCountsResponse {
  @ApiProperty() unconfirmed: number;
  @ApiProperty() confirmed: number;
  @ApiProperty() unsubscribed: number;
}

export class ListResponse {
  @ApiProperty() id: number;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ enum: OPT_IN_MODES }) optIn: string;
  @ApiProperty() public: boolean;
  @ApiProperty() archived: boolean;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ type: ListCountsResponse, description: 'Subscribers by status' }) counts: ListCountsResponse;
}

export class ListListResponse {
  @ApiProperty({ type: [ListResponse] }) items: ListResponse[];
  @ApiProperty() total: number;
}
