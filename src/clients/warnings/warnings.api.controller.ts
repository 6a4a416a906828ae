import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor } from '../../audit/actor';
import { ApiKeyAuth } from '../../common/http/api-key-auth';
import { CurrentActor } from '../../common/http/decorators';
import { parseId } from '../../common/http/pagination';
import { CreateWarningDto, WarningListResponse, WarningResponse } from './dto/warnings.dto';
import { WarningsService, WarningView } from './warnings.service';

@ApiTags('admin')
@ApiKeyAuth()
@Controller('api/admin/clients/:id/warnings')
export class WarningsApiController {
  constructor(private readonly warnings: WarningsService) {}

  @Get()
  @ApiOperation({ summary: "The client's warnings (newest first), each with its sent copy and follow-up state" })
  @ApiOkResponse({ type: WarningListResponse })
  async list(@Param('id') id: string): Promise<WarningListResponse> {
    return { items: await this.warnings.list(parseId(id, 'client')) };
  }

  @Post()
  @ApiOperation({
    summary: 'Send the client a warning (the last attempt before parting): the original terms, the requests beyond them, a new estimate',
    description: "Queues the mail in the client's language and records the warning in one transaction. 400 names each bad field; 422 when a ticket is not this client's; 404 for an unknown client.",
  })
  @ApiCreatedResponse({ type: WarningResponse })
  send(@Param('id') id: string, @Body() dto: CreateWarningDto, @CurrentActor() actor: Actor): Promise<WarningView> {
    return this.warnings.send(actor, parseId(id, 'client'), { terms: dto.terms, requestTicketIds: dto.requestTicketIds, estimate: dto.estimate, intro: dto.intro, followUpOn: dto.followUpOn });
  }

  @Post(':warningId/follow-up-done')
  @HttpCode(200)
  @ApiOperation({ summary: "Mark a warning's follow-up done (a second call changes nothing)" })
  @ApiOkResponse({ type: WarningResponse })
  followUpDone(@Param('id') id: string, @Param('warningId') warningId: string, @CurrentActor() actor: Actor): Promise<WarningView> {
    return this.warnings.markFollowUpDone(actor, parseId(id, 'client'), parseId(warningId, 'warning'));
  }
}
