import { stringify } from 'yaml';
import { customResourceDefinitions } from './crds.ts';

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
