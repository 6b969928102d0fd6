import {
  ApiException,
  CoordinationV1Api,
  type KubeConfig,
  type V1Lease,
  V1MicroTime,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { LeaderElectionSettings } from '../settings.ts';

/**
 * Leader election on a coordination.k8s.io Lease, as client-go's leaderelection package
 * does it (@kubernetes/client-node 2.0.1 ships none):
 *
 * - Every write is a PUT carrying the resourceVersion that was read, so of two replicas
 *   racing for one Lease the API server lets exactly one win (the other gets 409).
 * - A Lease held by another replica counts as expired only when its record has not
 *   changed for leaseDurationSeconds of *this* replica's clock since it first saw that
 *   record: clocks of different nodes are never compared.
 * - The leader renews every retry period; if it cannot renew for renewDeadline (two
 *   thirds of the Lease), it gives up leadership before another replica can take the
 *   Lease, so two leaders never overlap while clocks run at the same rate.
 * - release() (on SIGTERM) empties holderIdentity, so a standby takes over at its next
 *   try instead of waiting out the Lease.
 */
export class LeaseElector {
  private readonly api: CoordinationV1Api;
  private readonly settings: LeaderElectionSettings;
  private readonly log: Logger;
  /** How often a standby tries and a leader renews. */
  readonly retryPeriodMs: number;
  /** A leader that could not renew for this long steps down. */
  readonly renewDeadlineMs: number;
  /** The record last seen (its resourceVersion) and when this replica first saw it. */
  private observed: { resourceVersion: string; at: number } | undefined;
  private leading = false;
  private lastRenewal = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Whether the last try reached the API server (for /readyz). */
  healthy = false;

  constructor(kc: KubeConfig, settings: LeaderElectionSettings, log: Logger) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.settings = settings;
    this.log = log.child({
      lease: `${settings.leaseNamespace}/${settings.leaseName}`,
      identity: settings.identity,
    });
    const leaseMs = settings.leaseDurationSeconds * 1000;
    this.renewDeadlineMs = Math.floor((leaseMs * 2) / 3);
    // client-go's defaults are 15 s / 10 s / 2 s: the same ratios for any duration.
    this.retryPeriodMs = Math.max(250, Math.floor(leaseMs / 7.5));
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Resolves once this replica leads, then keeps renewing; `onLost` is called once if
   * leadership is lost (the caller should stop reconciling at once: the operator exits,
   * as controller-runtime's managers do, and starts afresh).
   */
  async lead(onLost: () => void): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const attempt = async () => {
      if (this.stopped) return reject(new Error('leader election stopped before this replica led'));
      const now = Date.now();
      const held = await this.tryAcquireOrRenew(now);
      if (this.stopped) return;
      if (held) {
        this.lastRenewal = now;
        if (!this.leading) {
          this.leading = true;
          this.log.info('leading: this replica reconciles');
          resolve();
        }
      } else if (this.leading && (now - this.lastRenewal >= this.renewDeadlineMs || held === false)) {
        // Another replica holds it (false), or renewals failed past the deadline.
        this.leading = false;
        this.log.error({ sinceRenewalMs: now - this.lastRenewal }, 'lost the Lease; stepping down');
        this.stop();
        onLost();
        return;
      }
      this.timer = setTimeout(() => void attempt(), this.retryPeriodMs);
    };
    void attempt();
    return promise;
  }

  /** Stops trying or renewing; a leader that wants a quick hand-over calls release() instead. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Stops, and gives the Lease up if this replica holds it, so a standby needs no wait. */
  async release(): Promise<void> {
    const wasLeading = this.leading;
    this.stop();
    this.leading = false;
    if (!wasLeading) return;
    try {
      const lease = await this.read();
      if (lease?.spec?.holderIdentity !== this.settings.identity) return;
      lease.spec.holderIdentity = undefined;
      lease.spec.acquireTime = undefined;
      lease.spec.renewTime = new V1MicroTime();
      await this.replace(lease);
      this.log.info('released the Lease');
    } catch (error) {
      // The Lease then expires on its own.
      this.log.warn({ err: error }, 'could not release the Lease');
    }
  }

  /**
   * true: this replica holds the Lease now; false: another does; undefined: the API
   * server could not be asked (or a write raced), which decides nothing yet.
   */
  private async tryAcquireOrRenew(now: number): Promise<boolean | undefined> {
    const { identity, leaseDurationSeconds } = this.settings;
    let lease: V1Lease | undefined;
    try {
      lease = await this.read();
      if (!lease) {
        await this.api.createNamespacedLease({
          namespace: this.settings.leaseNamespace,
          body: {
            metadata: { name: this.settings.leaseName, namespace: this.settings.leaseNamespace },
            spec: this.holding(undefined, 0),
          },
        });
        this.healthy = true;
        return true;
      }
      this.healthy = true;
      const resourceVersion = lease.metadata?.resourceVersion ?? '';
      if (this.observed?.resourceVersion !== resourceVersion) this.observed = { resourceVersion, at: now };
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity;
      const duration = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
      const expired = now - this.observed.at >= duration;
      if (holder && holder !== identity && !expired) return false;
      lease.spec = this.holding(
        holder === identity ? spec : undefined,
        (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1),
      );
      await this.replace(lease);
      return true;
    } catch (error) {
      if (error instanceof ApiException && error.code === 409) {
        // Someone else wrote first: read again at the next try.
        this.healthy = true;
        return this.leading ? undefined : false;
      }
      this.healthy = false;
      this.log.warn({ err: error }, 'could not reach the Lease');
      return undefined;
    }
  }

  /** The Lease spec of this replica holding it (keeping acquireTime when it already did). */
  private holding(current: V1Lease['spec'] | undefined, transitions: number): NonNullable<V1Lease['spec']> {
    const now = new V1MicroTime();
    return {
      holderIdentity: this.settings.identity,
      leaseDurationSeconds: this.settings.leaseDurationSeconds,
      acquireTime: current?.acquireTime ?? now,
      renewTime: now,
      leaseTransitions: transitions,
    };
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({
        name: this.settings.leaseName,
        namespace: this.settings.leaseNamespace,
      });
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  /** A PUT with the resourceVersion read: refused (409) if the Lease changed since. */
  private async replace(lease: V1Lease): Promise<void> {
    await this.api.replaceNamespacedLease({
      name: this.settings.leaseName,
      namespace: this.settings.leaseNamespace,
      body: lease,
    });
  }
}
