import { StoredSecret } from './entities/stored-secret.entity';

/** The tables this module owns; the data source at the top concatenates every module's list. */
export const CRYPTO_ENTITIES = [StoredSecret];
