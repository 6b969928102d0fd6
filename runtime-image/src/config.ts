import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { functionSpecSchema } from '../../api/v1alpha1/function.types.ts';
import { defaultWorkers } from './cpu-limit.ts';
import { DEFAULT_DATABASE_ROLES } from './db/roles.ts';
import { DEFAULT_RESPONSE_LIMIT_BYTES } from './host/response-limit.ts';
import { RUNTIME_ENV } from './runtime-env.ts';
import { DEFAULT_MAX_LOG_LINES } from './sandbox/log-limits.ts';

/** The runtime host's settings in a pod, parsed once at start-up (names in runtime-env.ts). */
export { RUNTIME_ENV };

const boolean = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
// Comma- or newline-separated (a Secret's value is often one key per line).
const list = z.string().transform((v) =>
  v
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean),
);

export const hostSettingsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  address: z.string().default('0.0.0.0'),
  // The handler as the operator compiled it; unset, the pod compiles the function's code.
  bundleFile: z.string().optional(),
  // The app database's admin (owner) login: migrations, then the sandboxes' login derived
  // from it. For a pod run by hand; the operator never gives a pod this.
  databaseUrl: z.string().optional(),
  // The app's authenticator login only (db/authenticator.ts), as the operator gives pods:
  // ctx.db and the invocation records use it, and nothing is migrated.
  sandboxDatabaseUrl: z.string().optional(),
  jwtSecret: z.string().optional(),
  jwksUrl: z.url().optional(),
  jwtIssuer: z.string().optional(),
  // Comma-separated: a token is accepted if it names any of them.
  jwtAudience: list.optional(),
  // Tokens without `exp` never expire; refused unless this is false.
  jwtRequireExp: boolean.default(true),
  apiKeys: list.default([]),
  webhookSecret: z.string().optional(),
  userRole: z.string().default(DEFAULT_DATABASE_ROLES.user),
  serviceRole: z.string().default(DEFAULT_DATABASE_ROLES.service),
  // Unset: one per CPU of the container's limit (cpu-limit.ts).
  workers: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(() => defaultWorkers()),
  poolMax: z.coerce.number().int().min(1).max(100).default(10),
  bodyLimit: z.coerce
    .number()
    .int()
    .min(1024)
    .default(6 * 1024 * 1024),
  responseLimit: z.coerce.number().int().min(1024).default(DEFAULT_RESPONSE_LIMIT_BYTES),
  migrate: boolean.default(true),
  trustProxy: boolean.default(true),
  // Records and console lines are written here before Postgres has them (invocations/spool.ts).
  spoolDir: z.string().optional(),
  // Console lines stored per invocation; past it, one "N lines dropped" line.
  maxLogLines: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_MAX_LOG_LINES),
  // Node's permission model for the pod (permission.ts); read by the entry before this.
  permission: boolean.default(true),
  revision: z.string().min(1).optional(),
  // A warm pool process: waits on this port for its function (pool/pool-host.ts).
  poolPort: z.coerce.number().int().min(0).max(65535).optional(),
  poolToken: z.string().min(16).optional(),
});
export type HostSettings = z.infer<typeof hostSettingsSchema>;

/** The function a pod serves, as the operator mounts it (a Function's spec plus its name). */
export const mountedFunctionSchema = functionSpecSchema.extend({ name: z.string().min(1) });
export type MountedFunction = z.infer<typeof mountedFunctionSchema>;

export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** Reads the settings from the environment; fails fast, naming each bad variable. */
export function loadHostSettings(env: NodeJS.ProcessEnv = process.env): HostSettings {
  const raw = Object.fromEntries(
    Object.entries(RUNTIME_ENV)
      .map(([key, name]) => [key, env[name]])
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = hostSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]) as keyof typeof RUNTIME_ENV;
      return `  ${RUNTIME_ENV[key] ?? key}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid runtime settings:\n${problems.join('\n')}`);
  }
  return parsed.data;
}

export function loadMountedFunction(file: string): MountedFunction {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Cannot read the function definition at ${file}`, { cause: error });
  }
  return parseMountedFunction(document, file);
}

/** A function definition already read (from a file, or a warm pool's specialize request). */
export function parseMountedFunction(document: unknown, source: string): MountedFunction {
  const parsed = mountedFunctionSchema.safeParse(document);
  if (!parsed.success) {
    throw new ConfigError(`Invalid function definition in ${source}:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
