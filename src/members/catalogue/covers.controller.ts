import { Controller, Get, Param, Post, Redirect, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Actor } from '../../audit/actor';
import { Ctx, CurrentActor, FormView, MultipartForm, Roles } from '../../common/http/decorators';
import { withMultipartForm } from '../../common/http/multipart-upload';
import { parseId } from '../../common/http/pagination';
import { sendImage } from '../../common/http/send-image';
import { RequestContext } from '../../common/http/request-context';
import { CatalogueService } from './catalogue.service';
import { CoversService } from './covers.service';

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
    const c = await this.covers.forViewer(ctx.user!, parseId(id, 'cover'));
    // private (it is behind a login) but cacheable: its address changes with every new image
    await sendImage(req, res, { path: c.path, contentType: c.contentType, etag: `"${c.version}"`, cacheControl: 'private, max-age=86400' }, 'cover');
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
