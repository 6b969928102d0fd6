/**
 * The chart as `helm template` renders it for the main combinations of values: the objects,
 * their release-aware names and standard labels, the CRDs behind crds.enabled and kept on
 * uninstall, the PodDisruptionBudget, the metrics Service and ServiceMonitor, the RBAC.
 */
import { describe, expect, it } from 'vitest';
import { crdFiles } from '../../api/crd/crd-files.ts';
import { customResourceDefinitions } from '../../api/crd/crds.ts';
import { lint, NAMESPACE, ofKind, one, type Rendered, render } from './helm-template.ts';

const STANDARD_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/component',
  'app.kubernetes.io/managed-by',
  'helm.sh/chart',
];
const kinds = (objects: Rendered[]) => objects.map((o) => o.kind).sort();

describe('the chart, with its default values', () => {
  it('lints strictly, and renders the operator, its RBAC, Services, CRDs and no optional object', async () => {
    const lintResult = await lint();
    expect(lintResult.ok, lintResult.out).toBe(true);
    const objects = await render();
    expect(kinds(objects)).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'CustomResourceDefinition',
        'CustomResourceDefinition',
        'Deployment',
        'Ingress',
        'Role',
        'RoleBinding',
        'Service',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
  });

  it('names every object after the release, and labels it the standard way', async () => {
    for (const [release, base] of [
      ['bbfn', 'bbfn-butterbase-functions'],
      // A release named after the chart is not doubled.
      ['butterbase-functions', 'butterbase-functions'],
      ['my-butterbase-functions-prod', 'my-butterbase-functions-prod'],
    ] as const) {
      const objects = await render([], release);
      for (const object of objects) {
        const where = `${object.kind} ${object.metadata.name}`;
        const labels = object.metadata.labels ?? {};
        for (const label of STANDARD_LABELS) expect(labels[label], `${where}: ${label}`).toBeTruthy();
        expect(labels['app.kubernetes.io/instance']).toBe(release);
        expect(labels['app.kubernetes.io/managed-by']).toBe('Helm');
        if (object.kind !== 'CustomResourceDefinition')
          expect(object.metadata.name, where).toMatch(new RegExp(`^${base}-`));
        if (object.metadata.namespace !== undefined) expect(object.metadata.namespace).toBe(NAMESPACE);
      }
      expect(one(objects, 'Deployment').metadata.name).toBe(`${base}-operator`);
    }
  });

  it("selects the operator's pods with labels that do not change with the version", async () => {
    const objects = await render();
    const deployment = one(objects, 'Deployment');
    const selector = deployment.spec.selector.matchLabels;
    expect(selector).toEqual({
      'app.kubernetes.io/name': 'butterbase-functions',
      'app.kubernetes.io/instance': 'bbfn',
      'app.kubernetes.io/component': 'operator',
    });
    expect(deployment.spec.template.metadata.labels).toMatchObject(selector);
    for (const service of ofKind(objects, 'Service')) expect(service.spec.selector).toEqual(selector);
    // The Services name the container's ports, which the probes use too.
    const ports = deployment.spec.template.spec.containers[0].ports.map((p: { name: string }) => p.name);
    const metrics = one(objects, 'Service', 'bbfn-butterbase-functions-metrics');
    expect(metrics.spec.ports).toEqual([
      { name: 'http-metrics', port: 8081, targetPort: 'http-metrics', protocol: 'TCP' },
    ]);
    expect(ports).toEqual(['http-metrics', 'api']);
  });

  it('renders the CRDs from the one schema source, kept on uninstall', async () => {
    const crds = ofKind(await render(), 'CustomResourceDefinition');
    const expected = customResourceDefinitions();
    expect(crds.map((c) => c.metadata.name).sort()).toEqual(expected.map((c) => c.metadata.name).sort());
    for (const crd of crds) {
      expect(crd.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
      expect(crd.spec).toEqual(expected.find((e) => e.metadata.name === crd.metadata.name)!.spec);
    }
    // And the chart holds no crds/ directory, which Helm would install once and never upgrade.
    expect(Object.keys(crdFiles()).filter((file) => file.startsWith('charts/'))).toEqual([
      'charts/butterbase-functions/templates/crds/butterbase.ai_apps.yaml',
      'charts/butterbase-functions/templates/crds/butterbase.ai_functions.yaml',
    ]);
  });

  it('gives the operator only the verbs its code uses', async () => {
    const objects = await render();
    const rules = one(objects, 'ClusterRole').rules as { resources: string[]; verbs: string[] }[];
    const verbs = (resource: string) =>
      rules.filter((r) => r.resources.includes(resource)).flatMap((r) => r.verbs);
    for (const rule of rules) {
      expect(rule.verbs).not.toContain('*');
      expect(rule.resources).not.toContain('*');
      // Children are written with server-side apply and watched; nothing is replaced.
      expect(rule.verbs).not.toContain('update');
    }
    expect(verbs('secrets').sort()).toEqual(['create', 'get', 'patch', 'watch']);
    expect(verbs('deployments').sort()).toEqual(['create', 'get', 'list', 'patch', 'watch']);
    expect(verbs('endpointslices').sort()).toEqual(['list', 'watch']);
    // The warm pool relabels a specialized pod and deletes it once retired (operator/src/pool/).
    expect(verbs('pods').sort()).toEqual(['delete', 'list', 'patch', 'watch']);
    expect(verbs('networkpolicies').sort()).toEqual(['create', 'patch']);
    const role = one(objects, 'Role');
    expect(role.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['bbfn-butterbase-functions-operator'],
        verbs: ['get', 'update'],
      },
    ]);
  });
});

describe('the chart, with values changed', () => {
  it('leaves the CRDs out with crds.enabled=false, and lets them go on uninstall with crds.keep=false', async () => {
    expect(ofKind(await render(['--set', 'crds.enabled=false']), 'CustomResourceDefinition')).toEqual([]);
    const unkept = ofKind(await render(['--set', 'crds.keep=false']), 'CustomResourceDefinition');
    expect(unkept).toHaveLength(2);
    for (const crd of unkept) expect(crd.metadata.annotations).toBeUndefined();
  });

  it('runs replicaCount replicas with a PodDisruptionBudget once there is more than one', async () => {
    const values = ['--set', 'replicaCount=2'];
    expect((await lint(values)).ok).toBe(true);
    const objects = await render(values);
    const deployment = one(objects, 'Deployment');
    expect(deployment.spec.replicas).toBe(2);
    const pdb = one(objects, 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({ minAvailable: 1, selector: deployment.spec.selector });
    expect(ofKind(await render(), 'PodDisruptionBudget')).toEqual([]);
    // Forced either way.
    expect(
      ofKind(await render(['--set', 'podDisruptionBudget.enabled=true']), 'PodDisruptionBudget'),
    ).toHaveLength(1);
    const off = ['--set', 'replicaCount=3', '--set', 'podDisruptionBudget.enabled=false'];
    expect(ofKind(await render(off), 'PodDisruptionBudget')).toEqual([]);
    const maxUnavailable = ['--set', 'replicaCount=3', '--set', 'podDisruptionBudget.maxUnavailable=1'];
    expect(one(await render(maxUnavailable), 'PodDisruptionBudget').spec).toMatchObject({
      maxUnavailable: 1,
    });
  });

  it('adds a ServiceMonitor on the metrics Service with metrics.serviceMonitor.enabled', async () => {
    const values = [
      '--set',
      'metrics.serviceMonitor.enabled=true',
      '--set',
      'metrics.serviceMonitor.labels.release=kps',
    ];
    expect((await lint(values)).ok).toBe(true);
    const objects = await render(values);
    const monitor = one(objects, 'ServiceMonitor');
    expect(monitor.metadata.labels!.release).toBe('kps');
    const service = one(objects, 'Service', 'bbfn-butterbase-functions-metrics');
    for (const [label, value] of Object.entries(monitor.spec.selector.matchLabels))
      expect(service.metadata.labels![label]).toBe(value);
    // It selects the metrics Service alone, not the API's.
    const api = one(objects, 'Service', 'bbfn-butterbase-functions-api');
    expect(
      Object.entries(monitor.spec.selector.matchLabels).every(([l, v]) => api.metadata.labels![l] === v),
    ).toBe(false);
    expect(monitor.spec.endpoints).toEqual([
      { port: 'http-metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' },
    ]);
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: [NAMESPACE] });
  });

  it('uses an existing ServiceAccount and makes no RBAC when told so', async () => {
    const objects = await render([
      '--set',
      'serviceAccount.create=false',
      '--set',
      'serviceAccount.name=ops',
      '--set',
      'rbac.create=false',
    ]);
    expect(ofKind(objects, 'ServiceAccount')).toEqual([]);
    expect(ofKind(objects, 'ClusterRole')).toEqual([]);
    expect(one(objects, 'Deployment').spec.template.spec.serviceAccountName).toBe('ops');
  });
});
