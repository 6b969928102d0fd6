/**
 * Whether each informer's watch is up, for /readyz: an informer reports `connect` when
 * it (re)starts its list and watch and `error` when its watch ends in a failure
 * (kube/informers.ts restarts it; custom-informer.ts reports both here), so a watch
 * counts as down from a failure until it connects again, and as down before it first
 * connected.
 */
export class WatchHealth {
  private readonly down: Set<string>;

  constructor(names: readonly string[]) {
    this.down = new Set(names);
  }

  connected(name: string): void {
    this.down.delete(name);
  }

  failed(name: string): void {
    this.down.add(name);
  }

  get healthy(): boolean {
    return this.down.size === 0;
  }

  /** The watches that are down, for the /readyz body. */
  get failing(): string[] {
    return [...this.down].sort();
  }
}
