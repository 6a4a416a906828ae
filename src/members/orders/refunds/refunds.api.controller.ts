import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor } from '../../../audit/actor';
import { ApiKeyAuth } from '../../../common/http/api-key-auth';
import { CurrentActor } from '../../../common/http/decorators';
import { parseId } from '../../../common/http/pagination';
import { ConfirmRefundDto, FailRefundDto, RefundResponse } from './dto/refunds.dto';
import { RefundsService } from './refunds.service';

@ApiTags('admin')
@ApiKeyAuth()
@Controller('api/admin/refunds')
export class RefundsApiController {
  constructor(private readonly refunds: RefundsService) {}

  @Get(':id')
  @ApiOperation({ summary: 'Get a refund' })
  @ApiOkResponse({ type: RefundResponse })
  get(@Param('id') id: string): Promise<RefundResponse> {
    return this.refunds.get(parseId(id, 'refund'));
  }

  @Post(':id/confirm')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm a manual refund made in your payment system, with its reference there' })
  @ApiOkResponse({ type: RefundResponse })
  confirm(@Param('id') id: string, @Body() dto: ConfirmRefundDto, @CurrentActor() actor: Actor): Promise<RefundResponse> {
    return this.refunds.confirmManual(parseId(id, 'refund'), dto.reference, actor);
  }

  @Post(':id/fail')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark a manual refund as failed' })
  @ApiOkResponse({ type: RefundResponse })
  fail(@Param('id') id: string, @Body() dto: FailRefundDto, @CurrentActor() actor: Actor): Promise<RefundResponse> {
    return this.refunds.failManual(parseId(id, 'refund'), dto.reason, actor);
  }
}
