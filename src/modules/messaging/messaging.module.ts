import { Global, Module } from '@nestjs/common';
import { RabbitConnection } from './rabbit-connection';

@Global()
@Module({ providers: [RabbitConnection], exports: [RabbitConnection] })
export class MessagingModule {}
