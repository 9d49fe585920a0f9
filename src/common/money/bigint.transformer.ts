import { ValueTransformer } from 'typeorm';

/** PostgreSQL bigint <-> JS bigint. Money never passes through a JS number. */
export const bigintTransformer: ValueTransformer = {
  to: (value: bigint | null | undefined) => (value === null || value === undefined ? value : value.toString()),
  from: (value: string | null) => (value === null || value === undefined ? value : BigInt(value)),
};
