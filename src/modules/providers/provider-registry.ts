import { Channel, PaymentProvider, ProviderName } from './provider.port';
import { DomainError } from '../../common/errors/domain-error';

/** Adapters by channel. Built once from whatever providers are configured. */
export class ProviderRegistry {
  private readonly byChannel = new Map<Channel, PaymentProvider>();
  private readonly byName = new Map<ProviderName, PaymentProvider>();

  constructor(providers: readonly PaymentProvider[]) {
    for (const p of providers) {
      this.byName.set(p.name, p);
      for (const c of p.channels) {
        if (this.byChannel.has(c)) throw new Error(`two providers claim channel ${c}`);
        this.byChannel.set(c, p);
      }
    }
  }

  /** The adapter serving a channel; a DomainError when the channel is not configured on this install. */
  forChannel(channel: Channel): PaymentProvider {
    const p = this.byChannel.get(channel);
    if (!p) {
      throw new DomainError({
        code: 'channel_unavailable',
        message: `Channel '${channel}' is not configured`,
        param: 'channel',
      });
    }
    return p;
  }

  /** The adapter for a callback route (/callbacks/alipay etc.). */
  forProvider(name: ProviderName): PaymentProvider | undefined {
    return this.byName.get(name);
  }

  hasChannel(channel: Channel): boolean {
    return this.byChannel.has(channel);
  }

  channels(): Channel[] {
    return [...this.byChannel.keys()];
  }

  all(): PaymentProvider[] {
    return [...this.byName.values()];
  }
}
