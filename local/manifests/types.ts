import type { AppResource } from '../../api/v1alpha1/app.types.ts';
import type { FunctionResource } from '../../api/v1alpha1/function.types.ts';
import type { ErrorCode } from '../../runtime-image/src/errors.ts';

/** Where a resource came from: a path relative to the loaded directory, and its document. */
export interface ManifestSource {
  file: string;
  /** 0-based position of the YAML document in its file; shown 1-based as "[doc N]". */
  documentIndex: number;
}

/** A document that passed its checks; `line` is where it starts in its file (1-based). */
export interface LoadedManifest extends ManifestSource {
  line: number;
}

export interface LoadedApp extends LoadedManifest {
  resource: AppResource;
}

export interface LoadedFunction extends LoadedManifest {
  resource: FunctionResource;
}

export interface ManifestProblem extends ManifestSource {
  kind?: string;
  name?: string;
  /** Dotted path of the offending field, e.g. `spec.trigger.config.schedule`. */
  field?: string;
  message: string;
  /** The stable error code a deploy API would answer with for the same problem. */
  code?: ErrorCode;
  /** 1-based position in the file, when known (syntax errors, most schema errors). */
  line?: number;
  column?: number;
}

export interface ManifestSet {
  apps: LoadedApp[];
  functions: LoadedFunction[];
  problems: ManifestProblem[];
}
