/**
 * The operator as the kube suites run it against the run's control plane: one set of
 * settings, given to its controllers in this process or, through the environment the
 * Helm chart would set, to operator/src/main.ts as its own process (or container).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import pino, { type Logger } from 'pino';
import { inject } from 'vitest';
import { AppController } from '../../operator/src/controller/app-controller.ts';
import {
  FunctionController,
  type FunctionControllerOptions,
} from '../../operator/src/controller/function-controller.ts';
import { AppCluster } from '../../operator/src/kube/app-cluster.ts';
import { Cluster } from '../../operator/src/kube/cluster.ts';
import { SecretWatch } from '../../operator/src/kube/secret-watch.ts';
import { OPERATOR_ENV, type OperatorSettings } from '../../operator/src/settings.ts';
import { testSettings, testSettingsEnv } from '../../operator/src/test-fixtures.ts';
import { waitFor } from '../support/wait.ts';
import { freeLoopbackPorts } from './ports.ts';

const OPERATOR_MAIN = path.join(import.meta.dirname, '../../operator/src/main.ts');

/** The operator's test settings (operator/src/test-fixtures.ts), in this process as in its own. */
export const testOperatorSettings: OperatorSettings = testSettings();

/** The run's control plane, as its admin (the harness's kubeconfig). */
export function testKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  return kc;
}

export interface TestOperator {
  readonly kc: k8s.KubeConfig;
  readonly functions: FunctionController;
  /** Only when asked for (`apps: true`): the suites that need no app database leave it out. */
  readonly apps: AppController | undefined;
  /** The process's one Secret watch (main.ts): the App controller's, for the API to share. */
  readonly secretWatch: SecretWatch;
  stop(): Promise<void>;
}

/**
 * The operator's controllers in this process, started (their caches synced): the Function
 * controller and, with `apps`, the App controller, sharing one Cluster and one Secret
 * watch as main.ts's do. Silent unless given a log; `kc` replaces the harness's admin
 * kubeconfig (a suite that counts its requests, say).
 */
export async function startTestOperator(
  options: FunctionControllerOptions & {
    apps?: boolean;
    log?: Logger;
    kc?: k8s.KubeConfig;
    /** In place of testOperatorSettings (a warm pool, say). */
    settings?: OperatorSettings;
  } = {},
): Promise<TestOperator> {
  const {
    apps: withApps = false,
    log = pino({ level: 'silent' }),
    kc = testKubeConfig(),
    settings = testOperatorSettings,
    ...controllerOptions
  } = options;
  const cluster = new Cluster(kc);
  const secretWatch = new SecretWatch(kc, log);
  const functions = new FunctionController(kc, cluster, settings, log, controllerOptions);
  const apps = withApps ? new AppController(kc, cluster, new AppCluster(kc), secretWatch, log) : undefined;
  await Promise.all([functions.start(), apps?.start()]);
  return {
    kc,
    functions,
    apps,
    secretWatch,
    async stop() {
      await Promise.all([functions.stop(), apps?.stop()]);
    },
  };
}

/**
 * The environment that runs the operator with testOperatorSettings (as the chart sets it),
 * on the given ports, with `extra` added (lease settings, say).
 */
export function testOperatorEnv(
  where: { kubeconfig: string; port: number; apiPort: number },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    KUBECONFIG: where.kubeconfig,
    ...testSettingsEnv(),
    [OPERATOR_ENV.port]: String(where.port),
    [OPERATOR_ENV.apiPort]: String(where.apiPort),
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

export interface OperatorProcess {
  readonly child: ChildProcess;
  /** Its exit code, once it has exited. */
  readonly exited: Promise<number | null>;
  /** Where it serves /healthz, /readyz and /metrics. */
  readonly url: string;
}

/**
 * operator/src/main.ts as its own process against the run's control plane, once its
 * /readyz answers 200 (a standby answers so too). Killed if it never does; else the
 * caller stops it.
 */
export async function startOperatorProcess(extra: Record<string, string> = {}): Promise<OperatorProcess> {
  const [port, apiPort] = await freeLoopbackPorts(2);
  const env = testOperatorEnv({ kubeconfig: inject('kubeconfig'), port: port!, apiPort: apiPort! }, extra);
  const child = spawn(process.execPath, [OPERATOR_MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor('the operator to be ready', 30_000, async () => (await fetch(`${url}/readyz`)).ok);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { child, exited, url };
}
