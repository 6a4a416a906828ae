import { Controller, Get, HttpCode, Post, Query, Render, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { Actor } from '../../audit/actor';
import { Ctx, CurrentActor, FormView, MultipartForm, Roles } from '../../common/http/decorators';
import { withMultipartForm } from '../../common/http/multipart-upload';
import { RequestContext } from '../../common/http/request-context';
import { STAFF_ROLES } from '../../users/entities/user.entity';
import { SUPPRESSION_REASONS } from '../subscribers/entities/subscriber.entity';
import { ListsService } from '../lists/lists.service';
import { MailingImportService } from './mailing-import.service';

@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin/mailing/import')
export class MailingImportController {
  constructor(
    private readonly importer: MailingImportService,
    private readonly lists: ListsService,
  ) {}

  private async options(): Promise<Record<string, unknown>> {
    return { lists: await this.lists.activeLists(), reasons: SUPPRESSION_REASONS };
  }

  @Get()
  @Render('mailing/import')
  async form(@Query('list') list?: string) {
    return { ...(await this.options()), report: null, formValues: { listId: list ?? '', mode: 'subscribe', dryRun: '1' } };
  }

  @Post()
  @MultipartForm()
  @HttpCode(200)
  @FormView('mailing/import')
  @Render('mailing/import')
  async run(@Req() req: Request, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    // A failed import shows the form again with the choices made (a multipart body is not in req.body).
    let formValues: Record<string, string> | undefined;
    ctx.formModel = async () => ({ ...(await this.options()), formValues });
    const upload = await withMultipartForm(req, (form) => this.importer.receiveUpload(form));
    formValues = upload.fields;
    const report = await this.importer.importUpload(actor, upload);
    return { ...(await this.options()), report, formValues };
  }
}
