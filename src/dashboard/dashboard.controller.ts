import { Controller, Get, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Roles } from '../common/http/decorators';
import { STAFF_ROLES } from '../users/entities/user.entity';
import { DashboardService } from './dashboard.service';

/** The admin panel's start page: a few counts from across the features. */
@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin')
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get()
  @Render('admin/home')
  async home() {
    return { stats: await this.dashboard.stats() };
  }
}
