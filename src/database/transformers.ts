import { ValueTransformer } from 'typeorm';

/** BIGINT arrives as a string from mysql2 and as a number from SQLite: always hand the app a number. */
export const bigintNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? v : Number(v)),
};
