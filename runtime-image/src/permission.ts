/**
 * A runtime pod runs under Node's permission model, so the handler (which shares the
 * process, and in a serving worker the very thread, with the host) cannot read what
 * the process can:
 * - the file system only where the runtime's code, the mounted function, the invocation
 *   spool (read and write) and the cgroup's CPU limit are: no /proc, so no /proc/self/environ with the pod's
 *   DATABASE_URL, JWT secret and API keys, no /proc/self/mem, no other process's files;
 * - no child processes (a pod given no compiled bundle keeps them, for esbuild; the
 *   handler still cannot reach them: sandbox/worker/restricted-builtins.ts), no native
 *   addons, no WASI; worker threads and the in-process inspector, which the host itself
 *   uses (pod/serving-pool.ts, pod/execution-stopper.ts), are granted, and refused to
 *   the handler by the same restricted built-ins.
 * The flags must be on Node's command line: the operator puts them there (runtime-pod.ts,
 * permissionFlagsFor), and an entry started without them re-executes itself with them
 * (same process id, `process.execve`, one more Node start) unless BBFN_PERMISSION=false.
 * Measured cost: README, "The tenant boundary in a pod".
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { RUNTIME_ENV } from './runtime-env.ts';

/** Where the runtime's code is: the nearest directory above it with its node_modules (esbuild). */
function codeRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules'))) return dir;
    if (path.dirname(dir) === dir) return from;
  }
}

/** The permission flags for a pod with this environment, whose entry's code is in `entryDir`. */
export function permissionFlags(env: NodeJS.ProcessEnv, entryDir: string): string[] {
  return permissionFlagsFor(env, codeRoot(entryDir));
}

/**
 * The same, given where the runtime's code is: what the operator puts on a pod's command
 * line, so that the pod starts under the model instead of re-executing itself into it.
 */
export function permissionFlagsFor(env: NodeJS.ProcessEnv, runtimeCode: string): string[] {
  const readable = new Set([runtimeCode, '/sys/fs/cgroup']);
  for (const name of [RUNTIME_ENV.functionFile, RUNTIME_ENV.bundleFile]) {
    const file = env[name];
    // The directory: a ConfigMap mount reaches its files through symlinks beside them.
    if (file) readable.add(path.dirname(path.resolve(file)));
  }
  if (env.NODE_COMPILE_CACHE) readable.add(path.resolve(env.NODE_COMPILE_CACHE));
  // Granted on purpose: Node's warning about each grant would only be noise on stderr.
  const flags = ['--permission', '--allow-worker', '--allow-inspector', '--disable-warning=SecurityWarning'];
  for (const dir of readable) flags.push(`--allow-fs-read=${dir}`);
  // The invocation spool (invocations/spool.ts): the one place a pod writes.
  const spool = env[RUNTIME_ENV.spoolDir];
  if (spool) flags.push(`--allow-fs-read=${path.resolve(spool)}`, `--allow-fs-write=${path.resolve(spool)}`);
  // Without a mounted bundle the pod compiles the handler itself, with esbuild's binary;
  // a warm pool process is always handed its bundle (pool/specialize-request.ts).
  if (!env[RUNTIME_ENV.bundleFile] && !env[RUNTIME_ENV.poolPort]) flags.push('--allow-child-process');
  return flags;
}

/**
 * Re-executes this process under the permission model when it is not yet under it;
 * returns only when it is (or when BBFN_PERMISSION turns it off).
 */
export function enterPermissionModel(entry: string): void {
  if (process.permission || !process.execve) return;
  const setting = process.env[RUNTIME_ENV.permission];
  if (setting === 'false' || setting === '0') return;
  // Made now: under the model, a recursive mkdir of the spool's missing parents is refused
  // (a pod's emptyDir exists already; a pod run by hand may name a new directory).
  const spool = process.env[RUNTIME_ENV.spoolDir];
  if (spool) mkdirSync(path.resolve(spool), { recursive: true });
  const flags = permissionFlags(process.env, path.dirname(entry));
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...flags, entry], process.env);
}

/** The settings that are secrets: read once at start, then taken out of the environment. */
const SECRET_ENV = [
  RUNTIME_ENV.databaseUrl,
  RUNTIME_ENV.sandboxDatabaseUrl,
  RUNTIME_ENV.jwtSecret,
  RUNTIME_ENV.apiKeys,
  RUNTIME_ENV.webhookSecret,
  RUNTIME_ENV.poolToken,
] as const;

/**
 * Takes the secrets out of the process's environment once the settings hold them:
 * `process.report` and anything else that lists `environ` no longer shows them (the
 * kernel's copy, /proc/self/environ, is what the permission model keeps unread).
 */
export function forgetSecretEnvironment(): void {
  for (const name of SECRET_ENV) delete process.env[name];
}
