import { ConsoleLogger, Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import express from 'express';
import helmet from 'helmet';
import * as nunjucks from 'nunjucks';
import { AppModule, AppOptions } from './app.module';
import { InputPipe } from './common/http/input.pipe';
import { AppConfig } from './config/config';
import { VIDEO_FRAME_ORIGINS } from './members/catalogue/lesson-markdown';
import { ASSETS_DIR, VIEWS_DIR } from './paths';
import { registerViewHelpers } from './views/view-helpers';

const LOG_LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** Nest announces every module and route at start; useful only when debugging. */
class QuietLogger extends ConsoleLogger {
  private static readonly NOISY = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);
  override log(message: unknown, context?: string): void {
    if (context && QuietLogger.NOISY.has(context)) return;
    super.log(message, context);
  }
}

/** Builds the whole application; `main.ts` listens with it and the tests drive it through HTTP. */
export async function createApp(config: AppConfig, opts: AppOptions): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, opts), {
    rawBody: true,
    logger: config.logLevel === 'debug' ? LOG_LEVELS.debug : new QuietLogger({ logLevels: LOG_LEVELS[config.logLevel] }),
    abortOnError: false,
  });
  app.set('trust proxy', config.trustProxy ? 1 : false);
  app.disable('x-powered-by');
  // No automatic ETag (a SHA-1 of every body Express sends): pages and API answers are per person, and a
  // logged-in one is `no-store`, so no browser ever sends it back; it cost a hash of every page (~18 KB for a
  // lesson with its course outline) on every request. What is worth revalidating sets its own: images through
  // sendImage() (content version), static assets through express.static (file stat).
  app.set('etag', false);
  app.useBodyParser('json', { limit: '1mb' });
  app.useBodyParser('urlencoded', { limit: '1mb', extended: false });

  // The API viewer (swagger-ui, served locally) needs inline styles; every other page gets none.
  const strict = helmet(helmetOptions(config, false));
  const docs = helmet(helmetOptions(config, true));
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) =>
    (req.path.startsWith('/api/docs') ? docs : strict)(req, res, next),
  );
  app.use(cookieParser());
  app.use('/assets', express.static(ASSETS_DIR, { maxAge: config.env === 'production' ? '7d' : 0, index: false }));

  // Each template is read and compiled once, except under `npm run dev` (NODE_ENV=development), where an edited
  // template shows on the next request: re-reading and recompiling the page, its layout and partials on every
  // render makes a page about five times slower (/login: ~330 against ~1,730 req/s).
  const env = nunjucks.configure(VIEWS_DIR, {
    autoescape: true,
    express: app.getHttpAdapter().getInstance(),
    noCache: config.env === 'development',
    throwOnUndefined: false,
  });
  registerViewHelpers(env, config);
  app.setViewEngine('njk');

  // Every body and query string becomes a handler's typed input here, or a 4xx (see InputPipe).
  app.useGlobalPipes(new InputPipe());

  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('kabinet admin API')
      .setDescription(
        'Authenticate with `Authorization: Bearer <api key>` (create keys in Admin → API keys or `npm run cli -- api-key:create --name NAME`). ' +
          'Lists return `{"items": [...], "total": N}` and take `?limit=&offset=`; errors are `{"error": {"code", "message", "details"}}`.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, doc, { jsonDocumentUrl: 'api/docs-json', raw: ['json'], customSiteTitle: 'kabinet API' });

  app.enableShutdownHooks();
  Logger.flush();
  return app;
}

function helmetOptions(config: AppConfig, inlineStyles: boolean): Parameters<typeof helmet>[0] {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: inlineStyles ? ["'self'", "'unsafe-inline'"] : ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        frameSrc: ["'self'", ...VIDEO_FRAME_ORIGINS],
      },
    },
    referrerPolicy: { policy: 'same-origin' },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: config.secureCookies ? { maxAge: 15552000, includeSubDomains: false } : false,
    crossOriginEmbedderPolicy: false,
  };
}
