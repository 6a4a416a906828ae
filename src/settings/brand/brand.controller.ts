import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../common/http/decorators';
import { parseId } from '../../common/http/pagination';
import { sendImage } from '../../common/http/send-image';
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
  async logo(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const f = await this.logos.file(parseId(id, 'logo'));
    const headers = {
      // Mail clients and web mail on other origins show it too (helmet's default would be same-origin only).
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    };
    await sendImage(req, res, f && { path: f.path, contentType: f.contentType, etag: f.etag, cacheControl: FOR_GOOD, headers }, 'logo');
  }
}
