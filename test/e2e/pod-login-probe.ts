/**
 * Tries a function pod's own database login from inside the pod: `kubectl exec` runs Node
 * in the runtime container, which reads BBFN_SANDBOX_DATABASE_URL as the kubelet set it
 * (the login the App reconciler gave the pod) and opens a Postgres session to `database`
 * over the pod network. The image bundles its Postgres client into the runtime, so the
 * probe speaks the protocol itself: a startup message, SCRAM-SHA-256 (RFC 5802/7677; what
 * the node's pg_hba asks of pod addresses) or a plain password, then ReadyForQuery or the
 * server's ErrorResponse. Only node: built-ins.
 */
import { kubectl } from './client.ts';

export type LoginOutcome =
  | { connected: true; database: string; user: string }
  | { connected: false; code: string; message: string };

const PROBE = String.raw`
import net from 'node:net';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
const login = new URL(process.env.BBFN_SANDBOX_DATABASE_URL);
const user = decodeURIComponent(login.username);
const password = decodeURIComponent(login.password);
const database = process.argv[1] || decodeURIComponent(login.pathname.slice(1));
const done = (result) => { console.log(JSON.stringify(result)); socket.destroy(); process.exit(0); };
setTimeout(() => done({ connected: false, code: 'TIMEOUT', message: 'no answer in 10 s' }), 10000).unref();
const int32 = (n) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const cstr = (s) => Buffer.from(s + '\0');
const frame = (type, body) => Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
const socket = net.connect(Number(login.port || 5432), login.hostname);
socket.on('error', (e) => done({ connected: false, code: e.code || 'SOCKET', message: e.message }));
const startup = Buffer.concat([int32(196608), cstr('user'), cstr(user), cstr('database'), cstr(database), Buffer.from([0])]);
socket.write(Buffer.concat([int32(startup.length + 4), startup]));
const nonce = randomBytes(18).toString('base64');
const firstBare = 'n=*,r=' + nonce;
let pending = Buffer.alloc(0);
socket.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 5 && pending.length >= 1 + pending.readInt32BE(1)) {
    const type = String.fromCharCode(pending[0]);
    const body = pending.subarray(5, 1 + pending.readInt32BE(1));
    pending = pending.subarray(1 + pending.readInt32BE(1));
    if (type === 'R') authenticate(body.readInt32BE(0), body.subarray(4));
    else if (type === 'E') {
      const fields = {};
      for (const field of body.toString('utf8').split('\0')) if (field) fields[field[0]] = field.slice(1);
      done({ connected: false, code: fields.C, message: fields.M });
    } else if (type === 'Z') {
      socket.write(frame('X', Buffer.alloc(0)));
      done({ connected: true, database, user });
    }
  }
});
function authenticate(kind, data) {
  if (kind === 3) socket.write(frame('p', cstr(password)));
  else if (kind === 10) {
    const first = Buffer.from('n,,' + firstBare);
    socket.write(frame('p', Buffer.concat([cstr('SCRAM-SHA-256'), int32(first.length), first])));
  } else if (kind === 11) {
    const serverFirst = data.toString('utf8');
    const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
    const salted = pbkdf2Sync(password, Buffer.from(attrs.s, 'base64'), Number(attrs.i), 32, 'sha256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    const storedKey = createHash('sha256').update(clientKey).digest();
    const finalBare = 'c=biws,r=' + attrs.r;
    const signature = createHmac('sha256', storedKey).update(firstBare + ',' + serverFirst + ',' + finalBare).digest();
    const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]));
    socket.write(frame('p', Buffer.from(finalBare + ',p=' + proof.toString('base64'))));
  } else if (kind !== 0 && kind !== 12) {
    done({ connected: false, code: 'AUTH_METHOD', message: 'unexpected authentication request ' + kind });
  }
}
`;

/**
 * Opens a session as the pod's own login to `database` (by default the one its URL
 * names), from inside `pod`; says whether Postgres let it in, or its error code.
 */
export async function tryPodLogin(namespace: string, pod: string, database?: string): Promise<LoginOutcome> {
  const out = await nodeInPod(namespace, pod, [
    '--input-type=module',
    '-e',
    PROBE,
    ...(database ? [database] : []),
  ]);
  return JSON.parse(out.trim().split('\n').pop()!) as LoginOutcome;
}

/** The environment of the pod's runtime container as a process started in it sees it (names → values). */
export async function podEnvironment(namespace: string, pod: string): Promise<Record<string, string>> {
  return JSON.parse(
    await nodeInPod(namespace, pod, ['-e', 'console.log(JSON.stringify(process.env))']),
  ) as Record<string, string>;
}

/** Runs `node <args>` in the pod's runtime container; its stdout. */
async function nodeInPod(namespace: string, pod: string, args: string[]): Promise<string> {
  const { ok, out } = await kubectl(['-n', namespace, 'exec', pod, '-c', 'runtime', '--', 'node', ...args]);
  if (!ok) throw new Error(`kubectl exec in ${pod} failed: ${out}`);
  return out;
}
