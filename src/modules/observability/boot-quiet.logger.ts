import { Injectable } from '@nestjs/common';
import { Logger } from 'nestjs-pino';

/** Nest's own bootstrap chatter: one line per module, controller and route, useful only when debugging. */
const BOOT_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/**
 * nestjs-pino's Logger, with Nest's bootstrap noise (route mapping, module
 * init, "successfully started") moved from info to debug, so a boot at the
 * default level shows what matters: warnings, domain events, the ready block.
 */
@Injectable()
export class BootQuietLogger extends Logger {
  log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams[optionalParams.length - 1];
    if (typeof context === 'string' && BOOT_CONTEXTS.has(context)) return this.debug(message, ...optionalParams);
    super.log(message, ...optionalParams);
  }
}
