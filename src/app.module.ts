import { DynamicModule, Module } from '@nestjs/common';
import { ApiModule } from './api.module';
import { AppConfig } from './config/config';
import { CoreModule } from './core.module';
import { WorkersModule } from './workers/workers.module';

/**
 * The HTTP process (`main.ts`): the shared modules and their controllers,
 * plus, in role `all` (the zero-install default), the WorkersModule in the
 * same process. This is the one place that decides what runs where; the
 * worker process (`worker.ts`) composes CoreModule with WorkersModule.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config),
        ApiModule.forRoot(config),
        ...(config.role === 'api' ? [] : [WorkersModule]),
      ],
    };
  }
}
