import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildImage, buildImageContext, docker, ensureDockerEngine } from '../image/docker.ts';
import { pickCommand, runMain } from '../support/command-line.ts';
import { SANDBOX_IMAGE } from './containerd.ts';

/** The images the e2e cluster runs, as the chart's values name them. */
export const E2E_IMAGES = {
  runtime: { repository: 'butterbase-functions/runtime', tag: 'e2e' },
  operator: { repository: 'butterbase-functions/operator', tag: 'e2e' },
} as const;

export const imageRef = (image: { repository: string; tag: string }) => `${image.repository}:${image.tag}`;

/**
 * Builds, with the running Docker engine's classic builder, the project's runtime and
 * operator images from the Dockerfile (this checkout's bundles) and the pause sandbox image
 * (our own static program, FROM scratch). Docker's layer cache makes a rebuild of
 * unchanged sources quick. Returns the references to import into containerd.
 */
export async function buildNodeImages(pauseBinary: string): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bbfn-e2e-pause-'));
  const pauseImage = SANDBOX_IMAGE.replace(/^docker\.io\//, '');
  try {
    const [, project] = await Promise.all([
      (async () => {
        await copyFile(pauseBinary, path.join(dir, 'pause'));
        await writeFile(
          path.join(dir, 'Dockerfile'),
          'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n',
        );
        await docker(['build', '-q', '-t', pauseImage, dir], 120_000);
      })(),
      buildProjectImages(),
    ]);
    return [pauseImage, ...project];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The runtime and operator images alone (a cluster that brings its own pause image: kind). */
export async function buildProjectImages(): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bbfn-e2e-images-'));
  try {
    await buildImageContext(dir);
    await buildImage(dir, 'runtime', imageRef(E2E_IMAGES.runtime));
    await buildImage(dir, 'operator', imageRef(E2E_IMAGES.operator));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return [imageRef(E2E_IMAGES.runtime), imageRef(E2E_IMAGES.operator)];
}

const usage = `Usage: node test/e2e/images.ts build [--help]

Builds this checkout's runtime and operator images from the Dockerfile with the running
Docker engine (or one started for the build, as root), tagged as the e2e suite's chart values name them, and prints their
references, one a line (test/e2e/kind.sh loads them into its cluster).`;

if (import.meta.main) {
  runMain(async () => {
    const picked = pickCommand(process.argv.slice(2), usage, { build: usage });
    if ('exit' in picked) return picked.exit;
    const docker = await ensureDockerEngine();
    try {
      console.log((await buildProjectImages()).join('\n'));
    } finally {
      await docker.stop();
    }
    return 0;
  });
}
