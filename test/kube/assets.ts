import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** Paths of the control-plane binaries of one Kubernetes version. */
export interface KubeBinaries {
  dir: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubectl: string;
  /** Set when this call built them: how long that took. */
  build?: { version: string; seconds: number };
}

const script = path.join(import.meta.dirname, 'assets.sh');
/** A first build takes many minutes on two cores; this only guards against a hung one. */
const BUILD_TIMEOUT_MS = 60 * 60_000;

/**
 * Runs assets.sh: binaries from $KUBEBUILDER_ASSETS, else the cache, else a build from the
 * Go module proxy. Its progress lines go to our stderr as they come.
 */
export async function ensureKubeBinaries(): Promise<KubeBinaries> {
  let build: KubeBinaries['build'];
  const dir = await runAssets('kube', (line) => {
    const built = /binaries (\S+) built in (\d+) s/.exec(line);
    if (built) build = { version: built[1]!, seconds: Number(built[2]) };
  });
  const bin = (name: string) => path.join(dir, name);
  return {
    dir,
    etcd: bin('etcd'),
    kubeApiserver: bin('kube-apiserver'),
    kubeControllerManager: bin('kube-controller-manager'),
    kubectl: bin('kubectl'),
    build,
  };
}

/** Path of the pinned helm binary (for chart tests), built on first use like the others. */
export async function ensureHelm(): Promise<string> {
  return path.join(await runAssets('helm'), 'helm');
}

function runAssets(command: 'kube' | 'helm', onLine?: (line: string) => void): Promise<string> {
  return runAssetsScript(script, command, onLine);
}

/**
 * Runs an assets script (this one, or test/e2e's) with `command`: its progress lines go to
 * our stderr as they come; resolves to the last line of its stdout.
 */
export function runAssetsScript(
  script: string,
  command: string,
  onLine: (line: string) => void = () => {},
): Promise<string> {
  // Its own process group, so that go build and the compilers it runs stop with it.
  const child = spawn('bash', [script, command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGINT');
    } catch {
      // already gone
    }
  };
  process.on('exit', killGroup);
  const timer = setTimeout(killGroup, BUILD_TIMEOUT_MS);
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const tail: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    process.stderr.write(`${line}\n`);
    tail.push(line);
    if (tail.length > 20) tail.shift();
    onLine(line);
  });
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`could not run ${script}`, { cause: error })));
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      process.off('exit', killGroup);
      const dir = stdout.trim();
      if (code === 0 && dir) resolve(dir);
      else {
        const how = signal ? `was killed by ${signal}` : `exited with ${code}`;
        reject(new Error(`${script} ${command} ${how}:\n${tail.join('\n')}`));
      }
    });
  });
}
