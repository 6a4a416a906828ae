import { Controller, Get, Param, Post, Redirect, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Ctx, FormView, Public, Roles } from '../../common/http/decorators';
import { parseId } from '../../common/http/pagination';
import { RequestContext } from '../../common/http/request-context';
import { AppError } from '../../common/errors/app-error';
import { ClientAreaService } from './client-area.service';
import { streamDownload } from './file-stream';
import { ProgressService } from './progress.service';

/** The client's products, lessons and downloads (the "My products" list itself is /account). */
@ApiExcludeController()
@Roles('client')
@Controller()
export class ClientAreaController {
  constructor(
    private readonly area: ClientAreaService,
    private readonly progress: ProgressService,
  ) {}

  @Get('account/products/:slug')
  @Render('members/product')
  async product(@Param('slug') slug: string, @Ctx() ctx: RequestContext) {
    return this.area.product(ctx.user!.id, slug);
  }

  @Get('account/lessons/:id')
  @Render('members/lesson')
  async lesson(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return this.area.lesson(ctx.user!.id, parseId(id, 'lesson'));
  }

  /** "Mark as complete": idempotent (the first time is kept); a lesson still locked is refused on its own page. */
  @Post('account/lessons/:id/complete')
  @FormView('members/lesson')
  @Redirect('/account', 303)
  async complete(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    const lessonId = parseId(id, 'lesson');
    ctx.formModel = () => this.area.lesson(ctx.user!.id, lessonId);
    await this.progress.complete(ctx.user!.id, lessonId);
    return { url: `/account/lessons/${lessonId}` };
  }

  @Post('account/lessons/:id/uncomplete')
  @Redirect('/account', 303)
  async uncomplete(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    const lessonId = parseId(id, 'lesson');
    await this.progress.uncomplete(ctx.user!.id, lessonId);
    return { url: `/account/lessons/${lessonId}` };
  }

  @Get('account/files/:id')
  async download(@Param('id') id: string, @Ctx() ctx: RequestContext, @Req() req: Request, @Res() res: Response) {
    await streamDownload(req, res, await this.area.fileForClient(ctx.user!.id, parseId(id, 'file')));
  }

  /** The direct link: no cookie needed, so download managers can use it; the signature says whose it is. */
  @Public()
  @Get('d/:fileId/:clientId/:expires/:sig')
  async signedDownload(@Param() p: Record<string, string>, @Req() req: Request, @Res() res: Response) {
    if (!/^\d{1,12}$/.test(p.expires) || !/^[\w-]{20,64}$/.test(p.sig)) throw AppError.notFound('file');
    const file = await this.area.fileBySignedLink(parseId(p.fileId, 'file'), parseId(p.clientId, 'file'), Number(p.expires), p.sig);
    await streamDownload(req, res, file);
  }
}
