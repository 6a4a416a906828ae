/**
 * For the TypeORM CLI: `npx typeorm -d dist/src/database/typeorm-cli.data-source.js migration:show`.
 * The app itself runs migrations on start (or `npm run migrate`).
 */
import 'reflect-metadata';
import { loadConfig } from '../config/config';
import { createDataSource } from './data-source';

export default createDataSource(loadConfig().database);
