import { stringify } from 'yaml';
import { type CustomResourceDefinition, customResourceDefinitions } from './crds.ts';

/** kubectl's directory, from the repository root: `kubectl apply -f crds/`. */
export const CRD_DIR = 'crds';
/**
 * The Helm chart's CRDs, as templates rather than in the chart's crds/, which Helm installs
 * once and never upgrades: here `helm upgrade` updates them, `crds.enabled` leaves them
 * out, and `crds.keep` keeps them on `helm uninstall` (as cert-manager's chart does).
 */
export const CHART_CRD_DIR = 'charts/butterbase-functions/templates/crds';

const HEADER = '# Generated from api/v1alpha1 by `npm run crds` (crds/generate.ts). Do not edit.\n';

const yaml = (value: unknown) => stringify(value, { lineWidth: 0 });

/** A CRD's file name, as controller-gen names them: `<group>_<plural>.yaml`. */
function fileName(crd: CustomResourceDefinition): string {
  return `${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}

/**
 * The chart's template of one CRD: the same text as kubectl's file, with the chart's
 * labels and the keep annotation in its metadata, behind `crds.enabled`.
 */
function chartTemplate(crd: CustomResourceDefinition): string {
  const text = yaml({ spec: crd.spec });
  // Helm would read a "{{" in a description or a CEL rule as template code.
  if (text.includes('{{'))
    throw new Error(`${crd.metadata.name}: "{{" in the schema cannot go in a template`);
  return [
    HEADER.trimEnd(),
    '{{- if .Values.crds.enabled }}',
    yaml({ apiVersion: crd.apiVersion, kind: crd.kind }).trimEnd(),
    'metadata:',
    `  name: ${crd.metadata.name}`,
    '  labels:',
    '    {{- include "bbfn.labels" (dict "context" . "component" "crds") | nindent 4 }}',
    '  {{- if .Values.crds.keep }}',
    '  annotations:',
    '    # helm uninstall leaves the CRDs, and so every App and Function, in place.',
    '    helm.sh/resource-policy: keep',
    '  {{- end }}',
    text.trimEnd(),
    '{{- end }}',
    '',
  ].join('\n');
}

/**
 * Every file made from the CRDs, by path from the repository root, and its text: one
 * source (api/v1alpha1), so kubectl's files and the chart's templates cannot drift.
 */
export function crdFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const crd of customResourceDefinitions()) {
    files[`${CRD_DIR}/${fileName(crd)}`] = HEADER + yaml(crd);
    files[`${CHART_CRD_DIR}/${fileName(crd)}`] = chartTemplate(crd);
  }
  return files;
}
