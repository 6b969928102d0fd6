import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildOperator } from '../../operator/build.ts';
import { buildRuntime } from '../../runtime-image/build.ts';
import { waitFor } from '../support/wait.ts';

const run = promisify(execFile);
const REPO = path.join(import.meta.dirname, '../..');

/** Runs the docker CLI; rejects with its stderr. */
export async function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await run('docker', args, {
    timeout: timeoutMs,
    maxBuffer: 16 * 2 ** 20,
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
  return stdout.trim();
}

const engineAnswers = () =>
  docker(['info', '--format', '{{.ServerVersion}}'], 10_000).then(
    () => true,
    () => false,
  );

export interface DockerEngine {
  /**
   * Releases this user's hold. The daemon stops when the last user in this process that
   * needed it started releases it; an engine that was already running stays.
   */
  stop(): Promise<void>;
}

/**
 * One daemon per process, shared by reference count: vitest runs every project's global
 * setup in its main process, and two setups starting their own dockerd would race for
 * /var/run/docker.pid (the loser's waitFor then sees the winner answer, and its stop would
 * kill a daemon another project still uses). Kept on globalThis because each project loads
 * this module through its own module runner.
 */
interface SharedEngine {
  users: number;
  started: Promise<StartedDaemon | undefined>;
}
interface StartedDaemon {
  stop(): Promise<void>;
}
const SHARED = Symbol.for('butterbase-functions.test.docker-engine');
const registry = globalThis as { [SHARED]?: SharedEngine };

/**
 * A Docker engine for the image tests and the e2e node: the one already running, else
 * Debian's `docker.io` (installed when missing, which needs root) with its daemon started
 * for this run, its log in a temporary directory.
 */
export async function ensureDockerEngine(): Promise<DockerEngine> {
  let shared = registry[SHARED];
  if (!shared) {
    shared = { users: 0, started: engineAnswers().then((up) => (up ? undefined : startDaemon())) };
    registry[SHARED] = shared;
    shared.started.catch(() => {
      if (registry[SHARED] === shared) delete registry[SHARED];
    });
  }
  const mine = shared;
  await mine.started;
  mine.users += 1;
  let released = false;
  return {
    async stop() {
      if (released) return;
      released = true;
      mine.users -= 1;
      if (mine.users > 0) return;
      if (registry[SHARED] === mine) delete registry[SHARED];
      await (await mine.started)?.stop();
    },
  };
}

async function startDaemon(): Promise<StartedDaemon> {
  if (process.getuid?.() !== 0)
    throw new Error('No Docker engine answers, and starting one needs root (or start dockerd first)');
  if (!(await hasCommand('dockerd'))) await installDockerIo();
  const dir = await mkdtemp(path.join(tmpdir(), 'bbfn-dockerd-'));
  const logFile = path.join(dir, 'dockerd.log');
  const fd = openSync(logFile, 'a');
  const daemon = spawn('dockerd', [], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  try {
    await waitFor('the Docker daemon to answer', 60_000, engineAnswers, 250);
  } catch (error) {
    daemon.kill('SIGKILL');
    const log = await readFile(logFile, 'utf8').catch(() => '');
    throw new Error(`dockerd did not start:\n${log.split('\n').slice(-15).join('\n')}`, { cause: error });
  }
  console.error(`docker: started dockerd (pid ${daemon.pid}) for this run; it stops with the run`);
  return {
    async stop() {
      daemon.kill('SIGTERM');
      const gone = await Promise.race([exited.then(() => true), sleep(30_000).then(() => false)]);
      if (!gone) daemon.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function hasCommand(name: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${name}`]).then(
    () => true,
    () => false,
  );
}

async function installDockerIo(): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => run('apt-get', ['install', '-y', '-q', 'docker.io'], { env, timeout: 600_000 });
  // A fresh machine may have no package lists yet.
  await install().catch(async () => {
    await run('apt-get', ['update', '-q'], { env, timeout: 600_000 });
    await install();
  });
}

// Unref'd: a pending grace timer must not hold the test process open after dockerd has gone.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * The image the Dockerfile's NODE_IMAGE names: a base made from this checkout's Node
 * by base-image.sh, once per Node version (no registry is reachable here).
 */
export async function ensureNodeBaseImage(): Promise<string> {
  const tag = `butterbase-functions/node-base:${process.version}`;
  const present = await docker(['image', 'inspect', tag], 20_000).then(
    () => true,
    () => false,
  );
  if (!present) await run('bash', [path.join(REPO, 'test/image/base-image.sh'), tag], { timeout: 300_000 });
  return tag;
}

/** What the Dockerfile copies, built and laid out in `dir` as it expects: a build context. */
export async function buildImageContext(dir: string): Promise<void> {
  await buildRuntime(path.join(dir, 'runtime-image/dist'));
  await buildOperator(path.join(dir, 'operator/dist'));
  for (const file of ['Dockerfile', '.dockerignore']) await cp(path.join(REPO, file), path.join(dir, file));
  for (const pkg of ['esbuild', '@esbuild/linux-x64'])
    await cp(path.join(REPO, 'node_modules', pkg), path.join(dir, 'node_modules', pkg), { recursive: true });
}

/** Builds one of the Dockerfile's targets on the Node base (see ensureNodeBaseImage). */
export async function buildImage(
  context: string,
  target: 'runtime' | 'operator',
  tag: string,
): Promise<void> {
  const base = await ensureNodeBaseImage();
  await docker(
    ['build', '-q', '--build-arg', `NODE_IMAGE=${base}`, '--target', target, '-t', tag, context],
    300_000,
  );
}

/**
 * `docker run` arguments for one of our images as the design's tenant boundary runs it:
 * read-only root filesystem, no capabilities, no privilege escalation; on the host's
 * network, so it reaches what the test started on loopback.
 */
export function lockedDownRun(options: {
  name: string;
  image: string;
  env: Record<string, string>;
  /** Host path → container path, mounted read-only. */
  mounts?: Record<string, string>;
}): string[] {
  return [
    'run',
    '--rm',
    '--name',
    options.name,
    '--network',
    'host',
    '--read-only',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    ...Object.entries(options.mounts ?? {}).flatMap(([from, to]) => ['-v', `${from}:${to}:ro`]),
    ...Object.entries(options.env).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
    options.image,
  ];
}
