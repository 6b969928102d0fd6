import type { ManifestProblem } from './types.ts';

/**
 * One line per problem, with the position first so editors and terminals can link it:
 * `examples/bad.yaml:7:15 [doc 2] Function "x": spec.trigger.config.schedule: invalid cron expression …`.
 * Documents are counted from 1 here, as people count them.
 */
export function formatProblem(problem: ManifestProblem): string {
  let where = problem.file;
  if (problem.line !== undefined) {
    where += `:${problem.line}`;
    if (problem.column !== undefined) where += `:${problem.column}`;
  }
  const parts = [`${where} [doc ${problem.documentIndex + 1}]`];
  if (problem.kind !== undefined || problem.name !== undefined) {
    parts.push(
      `${[problem.kind, problem.name === undefined ? undefined : JSON.stringify(problem.name)].filter(Boolean).join(' ')}:`,
    );
  }
  const message = problem.field === undefined ? problem.message : `${problem.field}: ${problem.message}`;
  return `${parts.join(' ')} ${message}`;
}
