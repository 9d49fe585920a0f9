import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { KeyRing } from './key-ring';
import { loadKeyRing } from './key-ring.loader';

@Global()
@Module({
  providers: [{ provide: KeyRing, inject: [APP_CONFIG], useFactory: (config: AppConfig) => loadKeyRing(config) }],
  exports: [KeyRing],
})
export class CryptoModule {}
