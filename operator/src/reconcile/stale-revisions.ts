/** Revisions kept besides the current one: as many as a Deployment keeps ReplicaSets to roll back to. */
export const KEPT_REVISIONS = 3;

export interface RevisionObject {
  name: string;
  revision: string;
  createdAt: Date;
}

/**
 * The revision ConfigMaps to delete: all but the current one and the newest few
 * before it. Each code change makes a new one, so without this they would pile up;
 * the kept ones are what `kubectl rollout undo` can go back to.
 */
export function staleRevisions(objects: readonly RevisionObject[], current: string): string[] {
  return objects
    .filter((object) => object.revision !== current)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
    .slice(KEPT_REVISIONS)
    .map((object) => object.name);
}
