import type { Logger } from 'pino';
import type { InvocationRecord } from '../invocations/types.ts';
import type { InvocationWriter } from '../invocations/writer.ts';
import type { CapturedLine } from '../sandbox/protocol.ts';
import type { InvocationSink } from './invocation-sink.ts';

/**
 * Every invocation and console line goes two ways: pino JSON on stdout (what
 * `kubectl logs` shows) and, when the app has a database, the invocation store
 * that `bbfn logs` and `get_logs` read.
 */
export function createRecordingSink(
  log: Logger,
  writerFor: (appId: string) => InvocationWriter | undefined,
): InvocationSink {
  return {
    recordInvocation(record) {
      writerFor(record.appId)?.recordInvocation(record);
      logInvocation(log, record);
    },
    appendLines(appId: string, lines: CapturedLine[]) {
      const stored = [];
      for (const line of lines) {
        log[line.level](
          { app: appId, invocationId: line.invocationId ?? undefined, console: true },
          line.message,
        );
        if (line.invocationId !== null) stored.push({ ...line, invocationId: line.invocationId });
      }
      if (stored.length > 0) writerFor(appId)?.appendLines(stored);
    },
  };
}

/**
 * An invocation's line on stdout. The invocation store is the access log; a stdout
 * line for every successful call cost a third of the host's throughput, so those are
 * debug (LOG_LEVEL=debug). So is a webhook delivery acknowledged as a duplicate: the
 * provider retrying is no failure, and a burst of retries would fill the terminal.
 */
export function logInvocation(log: Logger, record: InvocationRecord): void {
  const level = record.outcome === 'ok' || record.outcome === 'duplicate' ? 'debug' : 'warn';
  if (!log.isLevelEnabled(level)) return;
  log[level](
    {
      invocationId: record.id,
      app: record.appId,
      fn: record.functionName,
      revision: record.revision,
      trigger: record.trigger,
      status: record.statusCode,
      outcome: record.outcome,
      errorCode: record.errorCode ?? undefined,
      durationMs: Math.round(record.durationMs * 100) / 100,
    },
    'invocation',
  );
}
