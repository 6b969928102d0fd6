import type {
  DeployInput,
  DeployOutput,
  FunctionDetail,
  FunctionSummary,
  Invocation,
  InvokeInput,
  InvokeOutput,
  LogsOutput,
  LogsQuery,
} from './schemas.ts';

/**
 * The seed's three tools as operations: what the HTTP routes serve, what the MCP tools
 * call and what the CLI's HTTP client (client.ts) implements, so each of them is a thin
 * layer over one contract. Failures are BbfnErrors with the codes of errors.ts.
 */
export interface FunctionsApi {
  deploy(input: DeployInput): Promise<DeployOutput>;
  invoke(input: InvokeInput): Promise<InvokeOutput>;
  list(appId: string): Promise<FunctionSummary[]>;
  get(appId: string, name: string): Promise<FunctionDetail>;
  delete(appId: string, name: string): Promise<void>;
  invocation(appId: string, invocationId: string): Promise<Invocation>;
  logs(appId: string, name: string, query: LogsQuery): Promise<LogsOutput>;
}

/**
 * Where functions live: the local platform's directory, or a cluster. It trusts its
 * caller; authorized-api.ts puts the App's platform API key in front of it.
 */
export interface ManagementBackend extends FunctionsApi {
  /** The App's platform API keys, or null when no App has this appId. */
  apiKeys(appId: string): Promise<string[] | null>;
}
