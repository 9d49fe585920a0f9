/**
 * Migrations in the order they run. Written by hand (constraints, triggers)
 * and committed; `test/integration/schema-drift.int-spec.ts` fails when the
 * entities and these migrations disagree.
 */
import { Foundation1764100000000 } from './1764100000000-foundation';

export const MIGRATIONS = [Foundation1764100000000];
