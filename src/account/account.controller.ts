import { Controller, Get, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Roles } from '../common/http/decorators';

/** The clients' closed area. Products, lessons and orders arrive with the members' area. */
@ApiExcludeController()
@Roles('client')
@Controller('account')
export class AccountController {
  @Get()
  @Render('account/home')
  home() {
    return {};
  }
}
