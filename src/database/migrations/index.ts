/**
 * Migrations in the order they run. Written by hand (constraints, triggers)
 * and committed; `test/integration/schema-drift.int-spec.ts` fails when the
 * entities and these migrations disagree.
 */
import { Foundation1764100000000 } from './1764100000000-foundation';
import { Ledger1764200000000 } from './1764200000000-ledger';
import { Events1764400000000 } from './1764400000000-events';
import { Auth1764300000000 } from './1764300000000-auth';
import { Payments1764500000000 } from './1764500000000-payments';
import { Settlements1764600000000 } from './1764600000000-settlements';
import { LedgerShards1764700000000 } from './1764700000000-ledger-shards';

export const MIGRATIONS = [Foundation1764100000000, Ledger1764200000000, Auth1764300000000, Events1764400000000, Payments1764500000000, Settlements1764600000000, LedgerShards1764700000000];
