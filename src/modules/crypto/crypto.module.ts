import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { KeyRing } from './key-ring';
import { loadKeyRing } from './key-ring.loader';
import { ReencryptRepository } from './reencrypt.repository';
import { ReencryptService } from './reencrypt.service';
import { StoredSecretsService } from './stored-secrets.service';

@Global()
@Module({
  providers: [
    { provide: KeyRing, inject: [APP_CONFIG], useFactory: (config: AppConfig) => loadKeyRing(config) },
    ReencryptRepository,
    ReencryptService,
    StoredSecretsService,
  ],
  exports: [KeyRing, ReencryptService, StoredSecretsService],
})
export class CryptoModule {}
