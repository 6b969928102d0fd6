/**
 * Writes the CustomResourceDefinitions (api/crd/crds.ts) to crds/, one file each, as
 * `kubectl apply -f crds/` takes them, and to the Helm chart's templates/crds/ as
 * templates (api/crd/crd-files.ts). Run after changing a schema in api/v1alpha1:
 * `npm run crds`. api/crd/crds.test.ts fails while the files are stale.
 * Usage: node crds/generate.ts [--check]
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { crdFiles } from '../api/crd/crd-files.ts';

const { values } = parseArgs({ options: { check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log(
    'Usage: node crds/generate.ts [--check]\n  Writes crds/*.yaml and the chart\'s templates/crds/*.yaml from api/v1alpha1; --check only reports stale files (exit 1).',
  );
  process.exit(0);
}
let stale = 0;
const root = path.join(import.meta.dirname, '..');
for (const [file, text] of Object.entries(crdFiles())) {
  const target = path.join(root, file);
  const current = await readFile(target, 'utf8').catch(() => null);
  if (current === text) continue;
  stale += 1;
  if (values.check) console.error(`${file} is stale: run npm run crds`);
  else {
    await writeFile(target, text);
    console.log(`wrote ${file}`);
  }
}
if (values.check && stale > 0) process.exitCode = 1;
