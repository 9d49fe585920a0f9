import { IdempotencyKey } from './entities/idempotency-key.entity';
import { PlatformKey } from './entities/platform-key.entity';
import { RateLimitBucket } from './entities/rate-limit-bucket.entity';
import { RequestNonce } from './entities/request-nonce.entity';

/** The tables this module owns; the data source at the top concatenates every module's list. */
export const AUTH_ENTITIES = [IdempotencyKey, PlatformKey, RateLimitBucket, RequestNonce];
