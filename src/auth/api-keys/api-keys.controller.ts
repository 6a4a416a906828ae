import { Body, Controller, Get, Param, Post, Redirect, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor } from '../../audit/actor';
import { Ctx, CurrentActor, FormView, Roles } from '../../common/http/decorators';
import { parseId } from '../../common/http/pagination';
import { RequestContext } from '../../common/http/request-context';
import { STAFF_ROLES } from '../../users/entities/user.entity';
import { ApiKeysService } from './api-keys.service';

type Q = Record<string, string | undefined>;

/** Admin API keys: staff see them, owners and admins create and revoke them. */
@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Get()
  @Render('admin/api-keys')
  async apiKeyList() {
    return { keys: await this.apiKeys.list(), values: {}, errors: {} };
  }

  @Post()
  @Roles('owner', 'admin')
  @FormView('admin/api-keys')
  @Render('admin/api-keys')
  async apiKeyCreate(@Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    ctx.formModel = async () => ({ keys: await this.apiKeys.list() });
    const created = await this.apiKeys.create(actor, body.name ?? '');
    return { keys: await this.apiKeys.list(), created, values: {}, errors: {} };
  }

  @Post(':id/revoke')
  @Roles('owner', 'admin')
  @Redirect('/admin/api-keys', 303)
  async apiKeyRevoke(@Param('id') id: string, @CurrentActor() actor: Actor) {
    await this.apiKeys.revoke(actor, parseId(id, 'api_key'));
    return { url: '/admin/api-keys?notice=api_key_revoked' };
  }
}
