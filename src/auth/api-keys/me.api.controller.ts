import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../../common/http/api-key-auth';
import { Ctx } from '../../common/http/decorators';
import { RequestContext } from '../../common/http/request-context';

export class MeResponse {
  @ApiProperty({ example: 'apiKey' }) type: 'apiKey';
  @ApiProperty() id: number;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'First characters of the key' }) prefix: string;
  @ApiProperty() createdAt: Date;
}

@ApiTags('admin')
@ApiKeyAuth()
@Controller('api/admin')
export class MeApiController {
  @Get('me')
  @ApiOkResponse({ type: MeResponse, description: 'The API key this request authenticated with' })
  me(@Ctx() ctx: RequestContext): MeResponse {
    const k = ctx.apiKey!;
    return { type: 'apiKey', id: k.id, name: k.name, prefix: k.prefix, createdAt: k.createdAt };
  }
}
