import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../common/errors/app-error';
import { Public } from '../../common/http/decorators';
import { parseId } from '../../common/http/pagination';
import { SettingsService } from '../settings.service';
import { brandCss, brandCssVersion } from './brand';
import { LogoService } from './logo.service';

const FOR_GOOD = 'public, max-age=31536000, immutable';

/**
 * The brand's public assets. Both URLs change when their content does (`/brand.css?v=<hash>`, `/brand/logo/<file id>`),
 * so a browser keeps each for a year and the pages still show a change at once; the login page and mail clients
 * fetch them without a session.
 */
@ApiExcludeController()
@Public()
@Controller()
export class BrandController {
  constructor(
    private readonly settings: SettingsService,
    private readonly logos: LogoService,
  ) {}

  /** The accent colour as app.css's variables: a stylesheet, so the pages keep a CSP without inline styles. */
  @Get('brand.css')
  async css(@Query('v') v: unknown, @Res() res: Response): Promise<void> {
    const { accentColour } = await this.settings.current();
    res.setHeader('Content-Type', 'text/css; charset=utf-8');
    // An old ?v= (a page from before a change, another instance's cache) gets today's colours, kept briefly.
    res.setHeader('Cache-Control', v === brandCssVersion(accentColour) ? FOR_GOOD : 'public, max-age=60');
    res.send(brandCss(accentColour));
  }

  @Get('brand/logo/:id')
  async logo(@Param('id') id: string, @Res() res: Response): Promise<void> {
    const f = await this.logos.file(parseId(id, 'logo'));
    const stat = f && (await fs.promises.stat(f.path).catch(() => null));
    if (!f || !stat?.isFile()) throw AppError.notFound('logo');
    res.setHeader('Content-Type', f.contentType);
    res.setHeader('Content-Length', String(stat.size));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', FOR_GOOD);
    res.setHeader('ETag', f.etag);
    // Mail clients and web mail on other origins show it too (helmet's default would be same-origin only).
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    await pipeline(fs.createReadStream(f.path), res).catch(() => undefined);
  }
}
