import { LedgerAccount } from './entities/ledger-account.entity';
import { LedgerEntry } from './entities/ledger-entry.entity';
import { LedgerPosting } from './entities/ledger-posting.entity';

/** The tables this module owns; the data source at the top concatenates every module's list. */
export const LEDGER_ENTITIES = [LedgerAccount, LedgerEntry, LedgerPosting];
