/** Both SQLite (TEXT) and MySQL (DATETIME(3)) compare this UTC form correctly; use it for raw date parameters. */
export function sqlDate(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

export function addMs(d: Date, ms: number): Date {
  return new Date(d.getTime() + ms);
}
