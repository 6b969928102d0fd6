import { signUserToken } from '../../runtime-image/src/auth/jwt.ts';
import { BbfnError } from '../../runtime-image/src/errors.ts';
import { readSecrets } from '../secrets.ts';
import { DEFAULT_DATA_DIR, parseCommandArgs, resolveDataDir } from './args.ts';

const USAGE = `Usage: bbfn token --app APP_ID --user USER_ID [options]

Prints an end-user JWT (HS256, signed with the app's local secret) for the local platform.
Send it as "Authorization: Bearer <token>": the function runs as butterbase_user, ctx.user = { id }.

Options:
  --app ID        App id (spec.appId)
  --user ID       User id, the token's sub
  --expires S     Lifetime in seconds (default 3600)
  --data DIR      Data directory of the local platform (default ${DEFAULT_DATA_DIR} in the project)
  -h, --help      Show this help`;

export async function runToken(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      app: { type: 'string' },
      user: { type: 'string' },
      expires: { type: 'string', default: '3600' },
      data: { type: 'string' },
    },
    USAGE,
  );
  if (!parsed) return 0;
  const { app, user } = parsed.values;
  if (!app || !user) throw new Error(`--app and --user are required\n\n${USAGE}`);
  const expiresIn = Number(parsed.values.expires);
  if (!Number.isInteger(expiresIn) || expiresIn <= 0)
    throw new Error(`--expires must be a whole number of seconds, got "${parsed.values.expires}"`);
  const dataDir = resolveDataDir(parsed.values.data);
  const secrets = await readSecrets(dataDir);
  const secret = secrets[app];
  if (!secret) {
    const known = Object.keys(secrets);
    throw new BbfnError(
      'RESOURCE_NOT_FOUND',
      known.length === 0
        ? `no app has run on the data directory ${dataDir} yet; start the platform first (npm start), or pass the --data it runs with`
        : `no app "${app}" in ${dataDir} (apps: ${known.join(', ')})`,
    );
  }
  console.log(await signUserToken({ secret: secret.jwtSecret, userId: user, expiresIn }));
  return 0;
}
