import { readFile } from 'node:fs/promises';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * The project runs on the Node it installs (the `node` devDependency), not on the
 * machine's: `npm ci` under an older Node would warn about engines that never apply, so
 * .npmrc turns npm's warnings off, and this is the check those warnings stood for.
 */
interface LockFile {
  packages: Record<string, { version?: string; optional?: boolean; dev?: boolean }>;
}

const manifest = JSON.parse(await readFile('package.json', 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

describe('Node versions', () => {
  it('runs the suites on the Node the project installs', () => {
    expect(process.version).toBe(`v${manifest.devDependencies.node}`);
  });

  it("satisfies every installed package's engines.node with that Node", async () => {
    const lock = JSON.parse(await readFile('package-lock.json', 'utf8')) as LockFile;
    const unmet: string[] = [];
    let checked = 0;
    for (const location of Object.keys(lock.packages)) {
      if (!location.startsWith('node_modules/')) continue;
      const text = await readFile(`${location}/package.json`, 'utf8').catch(() => null);
      if (text === null) continue; // an optional package for another platform
      const { name, version, engines } = JSON.parse(text) as {
        name: string;
        version: string;
        engines?: { node?: string };
      };
      if (!engines?.node) continue;
      checked++;
      if (!semver.satisfies(process.version, engines.node, { includePrerelease: true }))
        unmet.push(`${name}@${version} wants node ${engines.node}`);
    }
    expect(checked).toBeGreaterThan(20);
    expect(unmet).toEqual([]);
  });

  it("states a machine requirement the project's own Node also meets", () => {
    expect(semver.satisfies(process.version, manifest.engines.node)).toBe(true);
    expect(semver.minVersion(manifest.engines.node)?.major).toBe(20);
  });
});
