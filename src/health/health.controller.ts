import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../common/http/decorators';
import { Database } from '../database/database.service';

@ApiExcludeController()
@Controller('healthz')
export class HealthController {
  constructor(private readonly db: Database) {}

  @Public()
  @Get()
  async health(@Res({ passthrough: true }) res: Response) {
    try {
      await this.db.ping();
      return { status: 'ok', db: 'ok' };
    } catch {
      res.status(503);
      return { status: 'error', db: 'unreachable' };
    }
  }
}
