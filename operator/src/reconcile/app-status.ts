import type { AppStatus, Condition } from '../../../api/v1alpha1/status.types.ts';
import { setCondition } from './conditions.ts';

/** What became of an App's database this reconcile (reconcile/app-database.ts finds out). */
export type DatabaseOutcome =
  | { kind: 'none' }
  | { kind: 'secretMissing'; message: string }
  | { kind: 'invalidUrl'; message: string }
  | { kind: 'ready'; migrationsApplied: number; ranNow: number[] }
  | { kind: 'unavailable'; message: string }
  | { kind: 'migrationFailed'; migrationsApplied: number; index: number; message: string }
  | { kind: 'bootstrapFailed'; message: string };

/** What became of the App's API keys Secret. */
export type ApiKeysOutcome =
  | { kind: 'none' }
  | { kind: 'ok'; count: number }
  | { kind: 'missing'; message: string }
  | { kind: 'invalid'; message: string };

/** What became of the App's JWT signing secret (auth.jwt.secretRef). */
export type JwtSecretOutcome = { kind: 'none' } | { kind: 'ok' } | { kind: 'missing'; message: string };

/** The conditions' reasons: one CamelCase word each, the one home of their spelling. */
export const APP_REASONS = {
  ready: 'Ready',
  databaseReady: 'DatabaseReady',
  noDatabase: 'NoDatabase',
  secretNotFound: 'DatabaseSecretNotFound',
  invalidUrl: 'InvalidDatabaseUrl',
  unavailable: 'DatabaseUnavailable',
  migrationFailed: 'MigrationFailed',
  bootstrapFailed: 'BootstrapFailed',
  databaseNotReady: 'DatabaseNotReady',
  apiKeysNotFound: 'ApiKeysNotFound',
  invalidApiKeys: 'InvalidApiKeys',
  jwtSecretNotFound: 'JwtSecretNotFound',
  migrationsApplied: 'MigrationsApplied',
  credentialsChanged: 'CredentialsChanged',
} as const;

export interface AppEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface AppStatusInputs {
  previous: AppStatus | undefined;
  generation: number | undefined;
  database: DatabaseOutcome;
  apiKeys: ApiKeysOutcome;
  /** Absent means none is configured. */
  jwtSecret?: JwtSecretOutcome;
  credentialsRevision: string;
  now: Date;
}

type Judged = Omit<Condition, 'lastTransitionTime' | 'type' | 'observedGeneration'>;

function databaseCondition(database: DatabaseOutcome): Judged {
  switch (database.kind) {
    case 'none':
      return {
        status: 'True',
        reason: APP_REASONS.noDatabase,
        message: 'spec.database.urlSecretRef is not set: functions get no ctx.db',
      };
    case 'ready':
      return {
        status: 'True',
        reason: APP_REASONS.databaseReady,
        message: `Bootstrapped; ${database.migrationsApplied} migration(s) applied`,
      };
    case 'secretMissing':
      return { status: 'False', reason: APP_REASONS.secretNotFound, message: database.message };
    case 'invalidUrl':
      return { status: 'False', reason: APP_REASONS.invalidUrl, message: database.message };
    case 'unavailable':
      return { status: 'False', reason: APP_REASONS.unavailable, message: database.message };
    case 'migrationFailed':
      return {
        status: 'False',
        reason: APP_REASONS.migrationFailed,
        message: `spec.database.migrations[${database.index}] failed: ${database.message}`,
      };
    case 'bootstrapFailed':
      return { status: 'False', reason: APP_REASONS.bootstrapFailed, message: database.message };
  }
}

function readyCondition(database: Judged, apiKeys: ApiKeysOutcome, jwtSecret: JwtSecretOutcome): Judged {
  if (database.status !== 'True')
    return { status: 'False', reason: APP_REASONS.databaseNotReady, message: database.message };
  if (apiKeys.kind === 'missing')
    return { status: 'False', reason: APP_REASONS.apiKeysNotFound, message: apiKeys.message };
  if (apiKeys.kind === 'invalid')
    return { status: 'False', reason: APP_REASONS.invalidApiKeys, message: apiKeys.message };
  if (jwtSecret.kind === 'missing')
    return { status: 'False', reason: APP_REASONS.jwtSecretNotFound, message: jwtSecret.message };
  return { status: 'True', reason: APP_REASONS.ready, message: "The App's functions can run" };
}

/**
 * An App's status from what its reconcile found, and the Events worth recording:
 * Normal ones for transitions (the database becomes ready, migrations ran, the
 * credentials changed), a Warning when a condition turns False or says something new.
 * An unchanged outcome gives the same status, so a repeated reconcile writes nothing.
 */
export function appStatus(inputs: AppStatusInputs): { status: AppStatus; events: AppEvent[] } {
  const { previous, generation, database, apiKeys, jwtSecret = { kind: 'none' }, now } = inputs;
  const databaseJudged = databaseCondition(database);
  const readyJudged = readyCondition(databaseJudged, apiKeys, jwtSecret);
  let conditions = setCondition(
    previous?.conditions,
    { type: 'DatabaseReady', ...databaseJudged, observedGeneration: generation },
    now,
  );
  conditions = setCondition(
    conditions,
    { type: 'Ready', ...readyJudged, observedGeneration: generation },
    now,
  );

  // Unreachable, we know no better than last time.
  const migrationsApplied =
    database.kind === 'ready' || database.kind === 'migrationFailed'
      ? database.migrationsApplied
      : previous?.migrationsApplied;
  const status: AppStatus = {
    observedGeneration: generation,
    conditions,
    ...(migrationsApplied === undefined ? {} : { migrationsApplied }),
    ...(database.kind === 'migrationFailed'
      ? { failedMigration: { index: database.index, message: database.message } }
      : database.kind === 'unavailable' && previous?.failedMigration
        ? { failedMigration: previous.failedMigration }
        : {}),
    credentialsRevision: inputs.credentialsRevision,
  };
  return { status, events: appEvents(inputs, databaseJudged, readyJudged) };
}

function appEvents(inputs: AppStatusInputs, database: Judged, ready: Judged): AppEvent[] {
  const { previous, database: outcome } = inputs;
  const before = (type: string) => previous?.conditions?.find((c) => c.type === type);
  const events: AppEvent[] = [];
  if (outcome.kind === 'ready' && outcome.ranNow.length > 0) {
    events.push({
      type: 'Normal',
      reason: APP_REASONS.migrationsApplied,
      message: `Ran spec.database.migrations ${outcome.ranNow.join(', ')} (${outcome.migrationsApplied} applied)`,
    });
  }
  for (const [type, judged] of [
    ['DatabaseReady', database],
    ['Ready', ready],
  ] as const) {
    const was = before(type);
    const news =
      was?.status !== judged.status || was.reason !== judged.reason || was.message !== judged.message;
    if (!news) continue;
    // A Ready that is False only because the database is: its Warning is the database's.
    if (judged.status !== 'True' && !(type === 'Ready' && judged.reason === APP_REASONS.databaseNotReady)) {
      events.push({ type: 'Warning', reason: judged.reason, message: judged.message });
    } else if (judged.status === 'True' && was?.status !== 'True') {
      events.push({
        type: 'Normal',
        reason: type === 'Ready' ? 'Ready' : judged.reason,
        message: judged.message,
      });
    }
  }
  const oldRevision = previous?.credentialsRevision;
  if (oldRevision && oldRevision !== inputs.credentialsRevision) {
    events.push({
      type: 'Normal',
      reason: APP_REASONS.credentialsChanged,
      message: "The API keys, the JWT secret or the database login changed: the App's function pods roll",
    });
  }
  return events;
}
