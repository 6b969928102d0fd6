import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { ensureHelm } from '../kube/assets.ts';

const run = promisify(execFile);
export const CHART = path.join(import.meta.dirname, '../../charts/butterbase-functions');
export const NAMESPACE = 'bbfn-system';
/** The one required value, so that each test names only what it changes. */
const REQUIRED = ['--set', 'publicBaseUrl=https://api.example.com'];

/** A rendered object: its kind and metadata, and the rest as the chart wrote it. */
export type Rendered = KubernetesObject & {
  metadata: { name: string; labels?: Record<string, string> };
} & Record<
    string,
    // biome-ignore lint/suspicious/noExplicitAny: the chart's objects are of many kinds; tests read their fields
    any
  >;

export interface HelmResult {
  ok: boolean;
  /** stdout when it worked, stderr (Helm's refusal) when not. */
  out: string;
}

async function helm(args: string[]): Promise<HelmResult> {
  const binary = await ensureHelm();
  return run(binary, args, { timeout: 60_000, maxBuffer: 16 * 2 ** 20 }).then(
    ({ stdout }) => ({ ok: true, out: stdout }),
    (error: { stderr?: string; message: string }) => ({ ok: false, out: error.stderr || error.message }),
  );
}

/** `helm template` with `values` (flags such as --set a=b), as release `release` in NAMESPACE. */
export async function template(values: string[] = [], release = 'bbfn'): Promise<HelmResult> {
  return helm(['template', release, CHART, '--namespace', NAMESPACE, ...REQUIRED, ...values]);
}

/** `helm lint --strict` with the same values. */
export async function lint(values: string[] = []): Promise<HelmResult> {
  return helm(['lint', '--strict', CHART, '--namespace', NAMESPACE, ...REQUIRED, ...values]);
}

/** The objects `helm template` renders; fails with Helm's message when it refuses. */
export async function render(values: string[] = [], release = 'bbfn'): Promise<Rendered[]> {
  const result = await template(values, release);
  if (!result.ok) throw new Error(`helm template refused: ${result.out}`);
  return parseAllDocuments(result.out)
    .map((doc) => doc.toJS() as Rendered | null)
    .filter((object): object is Rendered => object !== null);
}

export const ofKind = (objects: Rendered[], kind: string) => objects.filter((o) => o.kind === kind);

/** The one object of `kind` (and `name`, when there are several). */
export function one(objects: Rendered[], kind: string, name?: string): Rendered {
  const found = ofKind(objects, kind).filter((o) => name === undefined || o.metadata.name === name);
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
}

/** The operator container's environment, as plain values (the settings it reads). */
export function operatorEnv(objects: Rendered[]): Record<string, string> {
  const container = one(objects, 'Deployment').spec.template.spec.containers[0];
  return Object.fromEntries(
    (container.env as { name: string; value?: string }[])
      .filter((e) => e.value !== undefined)
      .map((e) => [e.name, e.value!]),
  );
}
