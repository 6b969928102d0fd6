import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNTIME_IMAGE } from './image-layout.ts';

/** The Dockerfile's `runtime` stage: from its FROM line to the next one. */
function runtimeStage(): string {
  const dockerfile = readFileSync(path.join(import.meta.dirname, '../../Dockerfile'), 'utf8');
  const start = dockerfile.indexOf(' AS runtime');
  return dockerfile.slice(start, dockerfile.indexOf('\nFROM ', start));
}

describe('RUNTIME_IMAGE', () => {
  it("matches the Dockerfile's runtime stage, which the operator's pod command relies on", () => {
    const stage = runtimeStage();
    expect(stage).toContain(`WORKDIR ${RUNTIME_IMAGE.codeRoot}\n`);
    expect(stage).toContain(`COPY runtime-image/dist/ ${path.dirname(RUNTIME_IMAGE.podEntry)}/`);
    expect(stage).toContain(`NODE_COMPILE_CACHE=${RUNTIME_IMAGE.compileCache}`);
    expect(stage).toContain(`ENTRYPOINT ["node", "${RUNTIME_IMAGE.podEntry}"]`);
    expect(path.dirname(RUNTIME_IMAGE.runOnceEntry)).toBe(path.dirname(RUNTIME_IMAGE.podEntry));
  });
});
