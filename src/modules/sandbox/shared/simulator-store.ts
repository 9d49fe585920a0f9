/**
 * State of a simulator, keyed by the simulator's own ids (out_trade_no,
 * refund numbers…). Kept in memory: the sandbox serves development and
 * tests, and a restart acting like a fresh sandbox account is acceptable.
 * A persistent store can replace it behind this interface.
 */
export interface SimulatorStore<T> {
  get(id: string): T | undefined;
  put(id: string, value: T): void;
  values(): T[];
  clear(): void;
}

export class InMemorySimulatorStore<T> implements SimulatorStore<T> {
  private readonly map = new Map<string, T>();

  get(id: string): T | undefined {
    return this.map.get(id);
  }

  put(id: string, value: T): void {
    this.map.set(id, value);
  }

  values(): T[] {
    return [...this.map.values()];
  }

  clear(): void {
    this.map.clear();
  }
}
