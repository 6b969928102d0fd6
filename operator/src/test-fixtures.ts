/**
 * What the operator's tests give it: its settings, loaded from the environment a minimal
 * chart install sets (with a test image) as the operator loads them, defaults and all;
 * and a sample App and Function to build objects for. One home for the unit tests of
 * operator/src, the chart's tests and the kube suites (test/kube/operator-fixture.ts):
 * each adds only the variables its case is about.
 */
import { type AppResource, appSchema } from '../../api/v1alpha1/app.types.ts';
import { type FunctionResource, functionSchema } from '../../api/v1alpha1/function.types.ts';
import { functionObjects } from './resources/function-objects.ts';
import { revisionOf } from './resources/revision.ts';
import { loadOperatorSettings, OPERATOR_ENV, type OperatorSettings } from './settings.ts';

/** The image the operator's pod templates name in tests; no test pulls it. */
export const TEST_RUNTIME_IMAGE = 'butterbase-functions/runtime:test';

/** The operator's environment in tests, with `extra` variables added (or replaced). */
export function testSettingsEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    [OPERATOR_ENV.runtimeImage]: TEST_RUNTIME_IMAGE,
    [OPERATOR_ENV.publicBaseUrl]: 'https://fn.example.com',
    ...extra,
  };
}

/** The settings the operator loads from testSettingsEnv(extra). */
export function testSettings(extra: Record<string, string> = {}): OperatorSettings {
  return loadOperatorSettings(testSettingsEnv(extra)).settings;
}

export const SAMPLE_APP: AppResource = appSchema.parse({
  apiVersion: 'butterbase.ai/v1alpha1',
  kind: 'App',
  metadata: { name: 'demo', namespace: 'team-a', uid: 'uid-app' },
  spec: { appId: 'demo' },
});

export const SAMPLE_CODE = 'export async function handler() { return new Response("hi"); }\n';

/** Function `hello` of SAMPLE_APP, with this trigger. */
export function sampleFunction(trigger: object): FunctionResource {
  return functionSchema.parse({
    apiVersion: 'butterbase.ai/v1alpha1',
    kind: 'Function',
    metadata: { name: 'hello', namespace: 'team-a', uid: 'uid-hello' },
    spec: { appId: 'demo', trigger, code: SAMPLE_CODE },
  });
}

/** The objects the operator builds for `fn` of SAMPLE_APP under `settings`. */
export function sampleFunctionObjects(fn: FunctionResource, settings: OperatorSettings) {
  return functionObjects(fn, SAMPLE_APP, revisionOf(fn, SAMPLE_CODE), settings);
}
