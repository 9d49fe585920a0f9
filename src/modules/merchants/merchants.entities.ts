import { App } from './entities/app.entity';
import { AppKey } from './entities/app-key.entity';
import { Merchant } from './entities/merchant.entity';
import { ProviderAccount } from './entities/provider-account.entity';

/** The tables this module owns; the data source at the top concatenates every module's list. */
export const MERCHANTS_ENTITIES = [App, AppKey, Merchant, ProviderAccount];
