import { describe, expect, it } from 'vitest';
import { type AppStatusInputs, appStatus } from './app-status.ts';

const t0 = new Date('2026-12-05T08:00:00Z');
const t1 = new Date('2026-12-05T08:01:00Z');

function inputs(over: Partial<AppStatusInputs>): AppStatusInputs {
  return {
    previous: undefined,
    generation: 1,
    database: { kind: 'ready', migrationsApplied: 2, ranNow: [0, 1] },
    apiKeys: { kind: 'none' },
    credentialsRevision: 'rev1',
    now: t0,
    ...over,
  };
}

const condition = (status: ReturnType<typeof appStatus>['status'], type: string) =>
  status.conditions!.find((c) => c.type === type);

describe('appStatus', () => {
  it('reports a bootstrapped database as Ready, with the migrations run and Normal events', () => {
    const { status, events } = appStatus(inputs({}));
    expect(status).toMatchObject({
      observedGeneration: 1,
      migrationsApplied: 2,
      credentialsRevision: 'rev1',
    });
    expect(condition(status, 'DatabaseReady')).toMatchObject({ status: 'True', reason: 'DatabaseReady' });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'True', reason: 'Ready' });
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ['Normal', 'MigrationsApplied'],
      ['Normal', 'DatabaseReady'],
      ['Normal', 'Ready'],
    ]);
  });

  it('writes nothing new and records no event when nothing changed', () => {
    const first = appStatus(inputs({})).status;
    const again = appStatus(
      inputs({ previous: first, now: t1, database: { kind: 'ready', migrationsApplied: 2, ranNow: [] } }),
    );
    expect(again.status).toEqual(first);
    expect(again.events).toEqual([]);
  });

  it('names a failed migration by index with the Postgres message, in a Warning once', () => {
    const database = {
      kind: 'migrationFailed',
      migrationsApplied: 1,
      index: 1,
      message: 'syntax error',
    } as const;
    const { status, events } = appStatus(inputs({ database }));
    expect(status.failedMigration).toEqual({ index: 1, message: 'syntax error' });
    expect(status.migrationsApplied).toBe(1);
    expect(condition(status, 'DatabaseReady')).toMatchObject({
      status: 'False',
      reason: 'MigrationFailed',
      message: 'spec.database.migrations[1] failed: syntax error',
    });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason: 'DatabaseNotReady' });
    expect(events).toEqual([
      {
        type: 'Warning',
        reason: 'MigrationFailed',
        message: 'spec.database.migrations[1] failed: syntax error',
      },
    ]);
    expect(appStatus(inputs({ database, previous: status, now: t1 })).events).toEqual([]);
  });

  it('keeps what it knew while the database is down, and moves the transition time only on a flip', () => {
    const ready = appStatus(inputs({})).status;
    const down = appStatus(
      inputs({
        previous: ready,
        now: t1,
        database: { kind: 'unavailable', message: 'connect ECONNREFUSED' },
      }),
    );
    expect(down.status.migrationsApplied).toBe(2);
    expect(condition(down.status, 'DatabaseReady')).toMatchObject({
      status: 'False',
      reason: 'DatabaseUnavailable',
      lastTransitionTime: t1.toISOString(),
    });
    expect(down.events).toEqual([
      { type: 'Warning', reason: 'DatabaseUnavailable', message: 'connect ECONNREFUSED' },
    ]);
  });

  it('is not Ready without its API keys, and says a changed credential rolls the pods', () => {
    const first = appStatus(inputs({})).status;
    const { status, events } = appStatus(
      inputs({
        previous: first,
        now: t1,
        database: { kind: 'ready', migrationsApplied: 2, ranNow: [] },
        apiKeys: { kind: 'missing', message: 'Secret shop-keys not found' },
        credentialsRevision: 'rev2',
      }),
    );
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason: 'ApiKeysNotFound' });
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ['Warning', 'ApiKeysNotFound'],
      ['Normal', 'CredentialsChanged'],
    ]);
  });

  it('is not Ready without its JWT signing secret, and says why', () => {
    const message = 'Secret shop-jwt with key secret (spec.auth.jwt.secretRef) not found or empty';
    const { status, events } = appStatus(inputs({ jwtSecret: { kind: 'missing', message } }));
    expect(condition(status, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'JwtSecretNotFound',
      message,
    });
    expect(events).toContainEqual({ type: 'Warning', reason: 'JwtSecretNotFound', message });
    expect(condition(appStatus(inputs({ jwtSecret: { kind: 'ok' } })).status, 'Ready')?.status).toBe('True');
  });

  it('is Ready without a database when none is configured', () => {
    const { status } = appStatus(inputs({ database: { kind: 'none' } }));
    expect(condition(status, 'DatabaseReady')).toMatchObject({ status: 'True', reason: 'NoDatabase' });
    expect(status.migrationsApplied).toBeUndefined();
  });
});
