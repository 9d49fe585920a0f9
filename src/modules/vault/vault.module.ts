import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CardVaultService } from './card-vault.service';

@Module({ imports: [AuthModule], providers: [CardVaultService], exports: [CardVaultService] })
export class VaultModule {}
