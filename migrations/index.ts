import { Foundation1795427000000 } from './1795427000000-Foundation';

/** Every migration, in order. Listed explicitly so the app, the CLI and the tests run the same set. */
export const MIGRATIONS = [Foundation1795427000000];
