import { Session } from 'node:inspector/promises';

/**
 * Stops the JavaScript a worker thread is running without ending the thread: the
 * inspector protocol's `Runtime.terminateExecution`, sent through an in-process
 * session attached to the pod's workers (`NodeWorker` domain; nothing listens on a
 * port). V8 unwinds the running code, a `while (true) {}` included, and the thread's
 * event loop goes on: its timers answer the stopped invocation with a 504 and its
 * other requests finish, which `worker.terminate()` would have cut off.
 */
export class ExecutionStopper {
  private readonly session = new Session();
  /** Worker thread id → inspector session id. */
  private readonly sessions = new Map<number, string>();

  /** Attaches to every worker thread of the process, those started later included. */
  async attach(): Promise<void> {
    this.session.connect();
    this.session.on('NodeWorker.attachedToWorker', ({ params }) => {
      this.sessions.set(Number(params.workerInfo.workerId), params.sessionId);
    });
    this.session.on('NodeWorker.detachedFromWorker', ({ params }) => {
      for (const [threadId, sessionId] of this.sessions)
        if (sessionId === params.sessionId) this.sessions.delete(threadId);
    });
    await this.session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
  }

  /** False when the thread is not (or no longer) attached. */
  async stop(threadId: number): Promise<boolean> {
    const sessionId = this.sessions.get(threadId);
    if (sessionId === undefined) return false;
    await this.session.post('NodeWorker.sendMessageToWorker', {
      sessionId,
      message: JSON.stringify({ id: 1, method: 'Runtime.terminateExecution' }),
    });
    return true;
  }

  close(): void {
    this.session.disconnect();
  }
}
