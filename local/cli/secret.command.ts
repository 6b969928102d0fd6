import { readSecretValues, setSecretValue } from '../secret-store.ts';
import { DEFAULT_DATA_DIR, parseCommandArgs, resolveDataDir } from './args.ts';

const USAGE = `Usage: bbfn secret set APP_ID NAME/KEY VALUE     (VALUE "-": read it from standard input)
       bbfn secret get APP_ID NAME/KEY
       bbfn secret list APP_ID

The local platform's Secrets: what a manifest's secretRef { name: NAME, key: KEY } resolves
to under "npm start" (in a cluster, the Kubernetes Secret of that name). For example, the
signing secret of a webhook trigger:

  npx bbfn secret set demo github-webhook/secret "my webhook secret"

The platform reads them when it deploys; touch the Function's manifest to redeploy it.

Options:
  --data DIR      Data directory of the local platform (default ${DEFAULT_DATA_DIR} in the project)
  -h, --help      Show this help`;

export async function runSecret(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { data: { type: 'string' } }, USAGE);
  if (!parsed) return 0;
  // As token and logs do: from any directory of the project, the platform npm start runs.
  const dataDir = resolveDataDir(parsed.values.data);
  const [action, appId, refText, value] = parsed.positionals;
  if (!appId) throw new Error(`an APP_ID is required\n\n${USAGE}`);
  if (action === 'list') {
    const values = await readSecretValues(dataDir, appId);
    for (const [name, keys] of Object.entries(values))
      for (const key of Object.keys(keys)) console.log(`${name}/${key}`);
    return 0;
  }
  const ref = parseRef(refText);
  if (action === 'get') {
    const stored = (await readSecretValues(dataDir, appId))[ref.name]?.[ref.key];
    if (stored === undefined) {
      console.error(`bbfn secret: app "${appId}" has no secret ${ref.name}/${ref.key} in ${dataDir}`);
      return 1;
    }
    console.log(stored);
    return 0;
  }
  if (action === 'set') {
    if (value === undefined) throw new Error(`a VALUE is required\n\n${USAGE}`);
    const text = value === '-' ? (await readStdin()).replace(/\r?\n$/, '') : value;
    await setSecretValue(dataDir, appId, ref, text);
    console.log(
      `set ${ref.name}/${ref.key} of app ${appId} in ${dataDir}; a running platform uses it ` +
        "from the function's next deploy (save its manifest again)",
    );
    return 0;
  }
  throw new Error(`unknown action "${action ?? ''}"\n\n${USAGE}`);
}

function parseRef(text: string | undefined): { name: string; key: string } {
  const slash = text?.indexOf('/') ?? -1;
  if (!text || slash <= 0 || slash === text.length - 1)
    throw new Error(`NAME/KEY is required, e.g. github-webhook/secret\n\n${USAGE}`);
  return { name: text.slice(0, slash), key: text.slice(slash + 1) };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
