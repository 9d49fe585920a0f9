import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef, Reflector } from '@nestjs/core';
import type { EventEnvelope, PaygridEvent } from '@paygrid/contracts';
import type { Worker } from '../common/workers/polling-worker';
import { EVENT_BUS, EventBus, EventConsumer, HandlerContext } from '../modules/notifications/event-bus';
import { ON_EVENT, OnEventMetadata } from '../modules/notifications/on-event.decorator';

/** Injection token of the worker classes the WorkersModule runs. */
export const WORKER_CLASSES = Symbol('WORKER_CLASSES');

/**
 * Runs the WorkersModule's list: subscribes every `@OnEvent` handler of the
 * app (found with the DiscoveryService) to the event bus, then starts the
 * loops, so the relay publishes only once every consumer's queue exists.
 * On shutdown it stops the loops before the modules below close the pool.
 */
@Injectable()
export class WorkerHost implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WorkerHost.name);
  private readonly started: Worker[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(WORKER_CLASSES) private readonly workers: Array<Type<Worker>>,
  ) {}

  /** Every `@OnEvent` handler of the app, bound to its instance. */
  consumers(): EventConsumer[] {
    const found: EventConsumer[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = (instance as Record<string, unknown>)[method];
        if (typeof handler !== 'function') continue;
        const meta = this.reflector.get<OnEventMetadata | undefined>(ON_EVENT, handler);
        if (!meta) continue;
        found.push({
          name: meta.consumer,
          patterns: meta.patterns,
          maxAttempts: meta.maxAttempts,
          prefetch: meta.prefetch,
          // The transport has checked the envelope against the contract's schema (validateEnvelope).
          handle: (event: EventEnvelope, ctx: HandlerContext) =>
            (handler as (e: PaygridEvent, c: HandlerContext) => Promise<void>).call(
              instance,
              event as PaygridEvent,
              ctx,
            ),
        });
      }
    }
    return found;
  }

  async onApplicationBootstrap(): Promise<void> {
    const consumers = this.consumers();
    for (const consumer of consumers) await this.bus.subscribe(consumer);
    for (const type of this.workers) {
      const worker = this.moduleRef.get(type, { strict: false });
      worker.start();
      this.started.push(worker);
    }
    this.logger.log(
      `Consumers: ${consumers.map((c) => c.name).join(', ') || 'none'}; workers: ${this.workers.map((w) => w.name).join(', ')}`,
    );
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.started.map((w) => w.stop()));
  }
}
