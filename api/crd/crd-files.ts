import { stringify } from 'yaml';
import { customResourceDefinitions } from './crds.ts';

/** Where the files go, from the repository root: kubectl's directory and the Helm chart's (Helm installs its crds/ as they are). */
export const CRD_DIRS = ['crds', 'charts/butterbase-functions/crds'] as const;

const HEADER = '# Generated from api/v1alpha1 by `npm run crds` (crds/generate.ts). Do not edit.\n';

/** Each CRD's file in crds/, by name (`<group>_<plural>.yaml`, as controller-gen names them), and its text. */
export function crdFiles(): Record<string, string> {
  return Object.fromEntries(
    customResourceDefinitions().map((crd) => [
      `${crd.spec.group}_${crd.spec.names.plural}.yaml`,
      HEADER + stringify(crd, { lineWidth: 0 }),
    ]),
  );
}
