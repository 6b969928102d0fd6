import { ApiException, type V1Secret } from '@kubernetes/client-node';
import type { SecretEvent } from '../../operator/src/kube/secret-watch.ts';

export interface SecretRef {
  name: string;
  key: string;
}

/**
 * After this long a Secret is read again even without a watch event: the watch's only
 * blind spot is a deletion while it restarts (a restart reports what exists, not what went).
 */
const REVALIDATE_MS = 5 * 60_000;

interface Entry {
  /** undefined until the first read or watch event lands. */
  secret: V1Secret | null | undefined;
  loadedAt: number;
  /** Watch events applied so far: a read's answer yields to one that came meanwhile. */
  events: number;
  loading?: Promise<void>;
}

/**
 * The Secrets the Apps name, by namespace/name: read once on first use, then kept
 * current by a watch of every Secret (which passes the others by, so memory holds only
 * the few in use). RBAC lets the operator get and watch Secrets, never list them.
 *
 * Read and watch can race: the name is registered before the read starts, so an event
 * that arrives while it is under way is kept, and the read's answer only fills an entry
 * no event has filled (the watch delivers changes in order, so it converges on the latest).
 */
export class SecretCache {
  private readonly entries = new Map<string, Entry>();
  private readonly read: (namespace: string, name: string) => Promise<V1Secret>;

  constructor(read: (namespace: string, name: string) => Promise<V1Secret>) {
    this.read = read;
  }

  /** A watch event: applied if the Secret is one in use, ignored otherwise. */
  observe(type: SecretEvent, secret: V1Secret): void {
    const key = `${secret.metadata?.namespace}/${secret.metadata?.name}`;
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.secret = type === 'DELETED' ? null : secret;
    entry.loadedAt = Date.now();
    entry.events++;
  }

  async value(namespace: string, ref: SecretRef): Promise<string | null> {
    const key = `${namespace}/${ref.name}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { secret: undefined, loadedAt: 0, events: 0 };
      this.entries.set(key, entry);
    }
    if (entry.secret === undefined || Date.now() - entry.loadedAt > REVALIDATE_MS) {
      entry.loading ??= this.load(namespace, ref.name, entry);
      await entry.loading;
    }
    const encoded = entry.secret?.data?.[ref.key];
    return encoded === undefined ? null : Buffer.from(encoded, 'base64').toString('utf8');
  }

  private async load(namespace: string, name: string, entry: Entry): Promise<void> {
    const events = entry.events;
    try {
      const secret = await this.read(namespace, name).catch((error: unknown) => {
        if (error instanceof ApiException && error.code === 404) return null;
        throw error;
      });
      // A watch event during the read is at least as new as the read's answer.
      if (entry.events === events) {
        entry.secret = secret;
        entry.loadedAt = Date.now();
      }
    } finally {
      entry.loading = undefined;
    }
  }
}
