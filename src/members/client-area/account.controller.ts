import { Controller, Get, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Ctx, Roles } from '../../common/http/decorators';
import { RequestContext } from '../../common/http/request-context';
import { ClientAreaService } from './client-area.service';

/** The clients' closed area: the start page lists their products. */
@ApiExcludeController()
@Roles('client')
@Controller('account')
export class AccountController {
  constructor(private readonly area: ClientAreaService) {}

  @Get()
  @Render('account/home')
  async home(@Ctx() ctx: RequestContext) {
    return { products: await this.area.myProducts(ctx.user!.id) };
  }
}
