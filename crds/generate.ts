/**
 * Writes the CustomResourceDefinitions (api/crd/crds.ts) to crds/ and to the Helm chart's
 * crds/ (crd-files.ts CRD_DIRS), one file each, as `kubectl apply -f crds/` and Helm take them. Run after changing a schema in
 * api/v1alpha1: `npm run crds`. api/crd/crds.test.ts fails while the files are stale.
 * Usage: node crds/generate.ts [--check]
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CRD_DIRS, crdFiles } from '../api/crd/crd-files.ts';

const { values } = parseArgs({ options: { check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('Usage: node crds/generate.ts [--check]\n  Writes crds/*.yaml from api/v1alpha1; --check only reports stale files (exit 1).');
  process.exit(0);
}
let stale = 0;
const root = path.join(import.meta.dirname, '..');
for (const dir of CRD_DIRS) {
  for (const [file, text] of Object.entries(crdFiles())) {
    const target = path.join(root, dir, file);
    const current = await readFile(target, 'utf8').catch(() => null);
    if (current === text) continue;
    stale += 1;
    if (values.check) console.error(`${dir}/${file} is stale: run npm run crds`);
    else {
      await writeFile(target, text);
      console.log(`wrote ${dir}/${file}`);
    }
  }
}
if (values.check && stale > 0) process.exitCode = 1;
