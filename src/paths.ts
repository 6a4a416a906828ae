import * as path from 'node:path';

/** The checkout's top folder, whether running from src/ (tests) or dist/src/ (built). */
export const ROOT_DIR = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
export const VIEWS_DIR = path.join(ROOT_DIR, 'views');
export const ASSETS_DIR = path.join(VIEWS_DIR, 'assets');
