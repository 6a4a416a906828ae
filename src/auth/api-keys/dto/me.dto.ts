import { ApiProperty } from '@nestjs/swagger';

export class MeResponse {
  @ApiProperty({ example: 'apiKey' }) type: 'apiKey';
  @ApiProperty() id: number;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'First characters of the key' }) prefix: string;
  @ApiProperty() createdAt: Date;
}
