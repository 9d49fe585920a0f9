import { CardToken } from './entities/card-token.entity';

/** The tables this module owns; the data source at the top concatenates every module's list. */
export const VAULT_ENTITIES = [CardToken];
