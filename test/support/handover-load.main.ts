/**
 * Load across a serving worker's hand-over (started by handover-load.ts), run as
 * its own process so that it can run in the pod's network namespace (nsenter): clients
 * on kept-alive connections and clients opening a fresh connection per request, back to
 * back, until told to stop; every failure is kept with what it was.
 * Usage: node handover-load.main.ts <function URL> [<own network prefix>]; stdin: `loop` (one
 * GET …/loop on a fresh connection, to block a worker), `stop` (prints the counts as one
 * JSON line and exits). The URL is on loopback, or in a network the calling test made
 * itself and names as an address prefix (the e2e node's Services: test/e2e/network.ts).
 * Bounded on its own: 60 s and 50,000 requests per client at most.
 */
import { Agent, get } from 'node:http';
import { createInterface } from 'node:readline';
import type { HandoverLoadResult } from './handover-load.ts';

const base = new URL(process.argv[2]!);
const ownNetwork = process.argv[3];
const allowed =
  ['127.0.0.1', 'localhost'].includes(base.hostname) || (ownNetwork && base.hostname.startsWith(ownNetwork));
if (!allowed) throw new Error(`not a loopback URL nor one in the test's own network: ${base}`);
const CLIENTS = 4;
const deadline = Date.now() + 60_000;

/** A 200, or what went wrong instead. */
function fetchStatus(path: string, agent: Agent | false): Promise<string | null> {
  return new Promise((resolve) => {
    const headers = agent ? {} : { connection: 'close' };
    const request = get({
      hostname: base.hostname,
      port: base.port,
      path: base.pathname + path,
      agent,
      headers,
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode === 200 ? null : `status ${response.statusCode}`));
      response.on('error', (error) => resolve(error.message));
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    request.setTimeout(15_000, () => request.destroy(new Error('no answer in 15 s')));
  });
}

const result: HandoverLoadResult = {
  keptAlive: { requests: 0, failures: [] },
  fresh: { requests: 0, failures: [] },
};
let running = true;
async function client(counts: HandoverLoadResult['keptAlive'], agent: Agent | false): Promise<void> {
  for (let i = 0; i < 50_000 && running && Date.now() < deadline; i++) {
    const failure = await fetchStatus('/hello', agent);
    counts.requests += 1;
    if (failure !== null) counts.failures.push(failure);
  }
}
const clients: Promise<void>[] = [];
for (let i = 0; i < CLIENTS; i++) {
  clients.push(client(result.keptAlive, new Agent({ keepAlive: true, maxSockets: 1 })));
  clients.push(client(result.fresh, false));
}

const commands = createInterface({ input: process.stdin });
// The test went away without a word: nothing more to report.
commands.on('close', () => {
  if (running) process.exit(1);
});
commands.on('line', async (line) => {
  if (line === 'loop') void fetchStatus('/loop', false);
  if (line === 'stop') {
    running = false;
    await Promise.all(clients);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  }
});
