import { Body, Controller, Get, HttpCode, Param, Post, Query, Redirect, Render, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { Actor } from '../../audit/actor';
import { Ctx, CurrentActor, FormView, MultipartForm, Roles } from '../../common/http/decorators';
import { withMultipartForm } from '../../common/http/multipart-upload';
import { pagerLinks, parseId, parsePage } from '../../common/http/pagination';
import { RequestContext } from '../../common/http/request-context';
import { CatalogueStructureService, parseDirection } from './catalogue-structure.service';
import { CatalogueService } from './catalogue.service';
import { UploadsService } from './uploads.service';

type Q = Record<string, string | undefined>;

const EMPTY_PRODUCT = { status: 'draft', endGrantOnRefund: 'on' };

/** A form's fields as typed, to show them again (the CSRF token is the page's own, not the post's). */
const typed = ({ _csrf: _token, ...fields }: Q): Q => fields;

/** Staff pages of the catalogue: products, their sections and lessons, and the files of a lesson. */
@ApiExcludeController()
@Roles('owner', 'admin', 'staff')
@Controller('admin')
export class CatalogueController {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly uploads: UploadsService,
    private readonly structure: CatalogueStructureService,
  ) {}

  @Get('products')
  @Render('members/admin-products')
  async list(@Query() q: Q) {
    const page = parsePage(q, 50);
    const res = await this.catalogue.listWithCovers(page);
    return { ...res, pager: pagerLinks(res.total, page), values: EMPTY_PRODUCT, errors: {} };
  }

  @Post('products')
  @FormView('members/admin-products')
  @Redirect('/admin/products', 303)
  async create(@Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    ctx.formModel = async () => ({ ...(await this.catalogue.listWithCovers({ limit: 50, offset: 0 })), pager: null });
    const p = await this.catalogue.create(actor, body);
    return { url: `/admin/products/${p.id}` };
  }

  @Get('products/:id')
  @Render('members/admin-product')
  async show(@Param('id') id: string) {
    const o = await this.catalogue.outline(parseId(id, 'product'));
    return { ...o, values: o.product, errors: {} };
  }

  @Post('products/:id')
  @FormView('members/admin-product')
  @Redirect('/admin/products', 303)
  async update(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const productId = parseId(id, 'product');
    ctx.formModel = () => this.catalogue.outline(productId);
    // An unticked checkbox is simply absent from the form.
    await this.catalogue.update(actor, productId, { ...body, endGrantOnRefund: body.endGrantOnRefund ?? '' });
    return { url: `/admin/products/${productId}` };
  }

  @Post('products/:id/sections')
  @FormView('members/admin-product')
  @Redirect('/admin/products', 303)
  async addSection(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const productId = parseId(id, 'product');
    ctx.formModel = () => this.sectionFormModel(productId);
    await this.catalogue.addSection(actor, productId, body);
    return { url: `/admin/products/${productId}#sections` };
  }

  @Post('products/:id/sections/:sectionId')
  @FormView('members/admin-product')
  @Redirect('/admin/products', 303)
  async updateSection(@Param('id') id: string, @Param('sectionId') sectionId: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const productId = parseId(id, 'product');
    ctx.formModel = () => this.sectionFormModel(productId);
    await this.catalogue.updateSection(actor, productId, parseId(sectionId, 'section'), body);
    return { url: `/admin/products/${productId}#sections` };
  }

  @Get('products/:id/lessons/new')
  @Render('members/admin-lesson')
  async newLesson(@Param('id') id: string) {
    return { ...(await this.catalogue.lessonFormModel(parseId(id, 'product'))), lesson: null, files: [], values: { dripMode: 'none' }, errors: {} };
  }

  @Post('products/:id/lessons')
  @FormView('members/admin-lesson')
  @Redirect('/admin/products', 303)
  async createLesson(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const productId = parseId(id, 'product');
    ctx.formModel = async () => ({ ...(await this.catalogue.lessonFormModel(productId)), lesson: null, files: [] });
    const l = await this.catalogue.createLesson(actor, productId, body, ctx.timeZone);
    return { url: `/admin/lessons/${l.id}` };
  }

  /** "Preview" on the new-lesson form: the form again with the text as typed and how clients would see it. */
  @Post('products/:id/lessons/preview')
  @HttpCode(200)
  @FormView('members/admin-lesson')
  @Render('members/admin-lesson')
  async previewNewLesson(@Param('id') id: string, @Body() body: Q, @Ctx() ctx: RequestContext) {
    const productId = parseId(id, 'product');
    ctx.formModel = async () => ({ ...(await this.catalogue.lessonFormModel(productId)), lesson: null, files: [] });
    const preview = this.catalogue.previewLessonBody(body);
    return { ...(await this.catalogue.lessonFormModel(productId)), lesson: null, files: [], values: typed(body), errors: {}, preview };
  }

  @Get('lessons/:id')
  @Render('members/admin-lesson')
  async showLesson(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    const m = await this.catalogue.lesson(parseId(id, 'lesson'), ctx.timeZone);
    return { ...m, values: m.formValues, errors: {} };
  }

  @Post('lessons/:id')
  @FormView('members/admin-lesson')
  @Redirect('/admin/products', 303)
  async updateLesson(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const lessonId = parseId(id, 'lesson');
    ctx.formModel = () => this.catalogue.lesson(lessonId, ctx.timeZone);
    await this.catalogue.updateLesson(actor, lessonId, body, ctx.timeZone);
    return { url: `/admin/lessons/${lessonId}` };
  }

  /** "Preview" on the lesson form: nothing is saved; the unsaved text stays in the form, rendered below it. */
  @Post('lessons/:id/preview')
  @HttpCode(200)
  @FormView('members/admin-lesson')
  @Render('members/admin-lesson')
  async previewLesson(@Param('id') id: string, @Body() body: Q, @Ctx() ctx: RequestContext) {
    const lessonId = parseId(id, 'lesson');
    ctx.formModel = () => this.catalogue.lesson(lessonId, ctx.timeZone);
    const preview = this.catalogue.previewLessonBody(body);
    return { ...(await this.catalogue.lesson(lessonId, ctx.timeZone)), values: typed(body), errors: {}, preview };
  }

  /** multipart/form-data, its `_csrf` field checked as the body is read. */
  @Post('lessons/:id/files')
  @MultipartForm()
  @FormView('members/admin-lesson')
  @Redirect('/admin/products', 303)
  async upload(@Param('id') id: string, @Req() req: Request, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const lessonId = parseId(id, 'lesson');
    // a failed upload shows the lesson form with the saved values, not the (empty) multipart body
    ctx.formModel = async () => {
      const m = await this.catalogue.lesson(lessonId, ctx.timeZone);
      return { ...m, lessonValues: m.formValues, uploadErrors: true };
    };
    await withMultipartForm(req, (form) => this.uploads.uploadToLesson(actor, lessonId, form));
    return { url: `/admin/lessons/${lessonId}#files` };
  }

  @Post('products/:id/sections/:sectionId/move')
  @Redirect('/admin/products', 303)
  async moveSection(@Param('id') id: string, @Param('sectionId') sectionId: string, @Body() body: Q, @CurrentActor() actor: Actor) {
    const productId = parseId(id, 'product');
    await this.structure.moveSection(actor, productId, parseId(sectionId, 'section'), parseDirection(body.direction));
    return { url: `/admin/products/${productId}#sections` };
  }

  @Post('lessons/:id/move')
  @Redirect('/admin/products', 303)
  async moveLesson(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor) {
    const { productId } = await this.structure.moveLesson(actor, parseId(id, 'lesson'), parseDirection(body.direction));
    return { url: `/admin/products/${productId}#lessons` };
  }

  @Get('products/:id/sections/:sectionId/delete')
  @Render('members/admin-confirm-delete')
  confirmDeleteSection(@Param('id') id: string, @Param('sectionId') sectionId: string) {
    return this.structure.sectionDeletePrompt(parseId(id, 'product'), parseId(sectionId, 'section'));
  }

  @Post('products/:id/sections/:sectionId/delete')
  @Redirect('/admin/products', 303)
  async deleteSection(@Param('id') id: string, @Param('sectionId') sectionId: string, @CurrentActor() actor: Actor) {
    const productId = parseId(id, 'product');
    await this.structure.deleteSection(actor, productId, parseId(sectionId, 'section'));
    return { url: `/admin/products/${productId}?notice=section_deleted#sections` };
  }

  @Get('lessons/:id/delete')
  @Render('members/admin-confirm-delete')
  confirmDeleteLesson(@Param('id') id: string) {
    return this.structure.lessonDeletePrompt(parseId(id, 'lesson'));
  }

  @Post('lessons/:id/delete')
  @Redirect('/admin/products', 303)
  async deleteLesson(@Param('id') id: string, @CurrentActor() actor: Actor) {
    const { productId } = await this.structure.deleteLesson(actor, parseId(id, 'lesson'));
    return { url: `/admin/products/${productId}?notice=lesson_deleted#lessons` };
  }

  @Get('files/:id/delete')
  @Render('members/admin-confirm-delete')
  confirmDeleteFile(@Param('id') id: string) {
    return this.structure.fileDeletePrompt(parseId(id, 'file'));
  }

  @Post('files/:id/delete')
  @Redirect('/admin/products', 303)
  async deleteFile(@Param('id') id: string, @CurrentActor() actor: Actor) {
    const { productId, lessonId } = await this.structure.deleteFile(actor, parseId(id, 'file'));
    return { url: lessonId ? `/admin/lessons/${lessonId}?notice=file_deleted#files` : `/admin/products/${productId}?notice=file_deleted` };
  }

  /** The product page for a failed section form: the product's saved values stay in their own form. */
  private async sectionFormModel(productId: number) {
    const outline = await this.catalogue.outline(productId);
    return { ...outline, productValues: outline.product, sectionErrors: true };
  }
}
