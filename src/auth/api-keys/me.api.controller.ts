import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../../common/http/api-key-auth';
import { Ctx } from '../../common/http/decorators';
import { RequestContext } from '../../common/http/request-context';
import { MeResponse } from './dto/me.dto';

@ApiTags('admin')
@ApiKeyAuth()
@Controller('api/admin')
export class MeApiController {
  @Get('me')
  @ApiOperation({ summary: 'The staff user who owns the API key' })
  @ApiOkResponse({ type: MeResponse, description: 'The API key this request authenticated with' })
  me(@Ctx() ctx: RequestContext): MeResponse {
    const k = ctx.apiKey!;
    return { type: 'apiKey', id: k.id, name: k.name, prefix: k.prefix, createdAt: k.createdAt };
  }
}
