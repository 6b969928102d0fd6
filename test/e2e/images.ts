import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildImage, buildImageContext, docker } from '../image/docker.ts';
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
  const dir = await mkdtemp(path.join(tmpdir(), 'bbfn-e2e-images-'));
  try {
    const pause = path.join(dir, 'pause');
    // allSettled: the directory is removed only once neither build still writes into it.
    const builds = await Promise.allSettled([
      (async () => {
        await mkdir(pause);
        await copyFile(pauseBinary, path.join(pause, 'pause'));
        await writeFile(
          path.join(pause, 'Dockerfile'),
          'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n',
        );
        await docker(['build', '-q', '-t', SANDBOX_IMAGE.replace(/^docker\.io\//, ''), pause], 120_000);
      })(),
      (async () => {
        const context = path.join(dir, 'context');
        await buildImageContext(context);
        await buildImage(context, 'runtime', imageRef(E2E_IMAGES.runtime));
        await buildImage(context, 'operator', imageRef(E2E_IMAGES.operator));
      })(),
    ]);
    for (const build of builds) if (build.status === 'rejected') throw build.reason;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return [
    SANDBOX_IMAGE.replace(/^docker\.io\//, ''),
    imageRef(E2E_IMAGES.runtime),
    imageRef(E2E_IMAGES.operator),
  ];
}
