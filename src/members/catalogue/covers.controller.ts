import { Controller, Get, Param, Post, Redirect, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import * as fs from 'node:fs';
import { Actor } from '../../audit/actor';
import { AppError } from '../../common/errors/app-error';
import { Ctx, CurrentActor, FormView, MultipartForm, Roles } from '../../common/http/decorators';
import { withMultipartForm } from '../../common/http/multipart-upload';
import { parseId } from '../../common/http/pagination';
import { RequestContext } from '../../common/http/request-context';
import { CatalogueService } from './catalogue.service';
import { CoversService, ServableCover } from './covers.service';

/** Product covers: set and removed on the admin's product page, shown to staff and to the product's clients. */
@ApiExcludeController()
@Controller()
export class CoversController {
  constructor(
    private readonly covers: CoversService,
    private readonly catalogue: CatalogueService,
  ) {}

  @Get('covers/:id')
  @Roles('owner', 'admin', 'staff', 'client')
  async show(@Param('id') id: string, @Ctx() ctx: RequestContext, @Req() req: Request, @Res() res: Response) {
    await sendCover(req, res, await this.covers.forViewer(ctx.user!, parseId(id, 'cover')));
  }

  /** multipart/form-data, its `_csrf` field checked as the body is read. */
  @Post('admin/products/:id/cover')
  @Roles('owner', 'admin', 'staff')
  @MultipartForm()
  @FormView('members/admin-product')
  @Redirect('/admin/products', 303)
  async upload(@Param('id') id: string, @Req() req: Request, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const productId = parseId(id, 'product');
    // a refused image shows the product page with its saved values, not the (empty) multipart body
    ctx.formModel = async () => {
      const o = await this.catalogue.outline(productId);
      return { ...o, productValues: o.product, coverErrors: true };
    };
    await withMultipartForm(req, (form) => this.covers.upload(actor, productId, form));
    return { url: `/admin/products/${productId}#cover` };
  }

  @Post('admin/products/:id/cover/delete')
  @Roles('owner', 'admin', 'staff')
  @Redirect('/admin/products', 303)
  async remove(@Param('id') id: string, @CurrentActor() actor: Actor) {
    const productId = parseId(id, 'product');
    await this.covers.remove(actor, productId);
    return { url: `/admin/products/${productId}#cover` };
  }
}

/**
 * The image with its sniffed type and `nosniff`; private (it is behind a login) but cacheable: its address
 * changes with every new image, and a browser that has this one gets a 304.
 */
async function sendCover(req: Request, res: Response, c: ServableCover): Promise<void> {
  const stat = await fs.promises.stat(c.path).catch(() => null);
  if (!stat?.isFile()) throw AppError.notFound('cover');
  const etag = `"${c.version}"`;
  res.setHeader('Content-Type', c.contentType);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'private, max-age=86400');
  res.setHeader('ETag', etag);
  if (req.headers['if-none-match'] === etag) {
    res.status(304).end();
    return;
  }
  res.status(200).setHeader('Content-Length', String(stat.size));
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = fs.createReadStream(c.path);
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
}
