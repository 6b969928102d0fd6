import path from 'node:path';
import { signUserToken } from '../../runtime-image/src/auth/jwt.ts';
import { readSecrets } from '../secrets.ts';
import { DEFAULT_DATA_DIR, parseCommandArgs } from './args.ts';

const USAGE = `Usage: bbfn token --app APP_ID --user USER_ID [options]

Prints an end-user JWT (HS256, signed with the app's local secret) for the local platform.
Send it as "Authorization: Bearer <token>": the function runs as butterbase_user, ctx.user = { id }.

Options:
  --app ID        App id (spec.appId)
  --user ID       User id, the token's sub
  --expires S     Lifetime in seconds (default 3600)
  --data DIR      Data directory of the local platform (default ${DEFAULT_DATA_DIR})
  -h, --help      Show this help`;

export async function runToken(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      app: { type: 'string' },
      user: { type: 'string' },
      expires: { type: 'string', default: '3600' },
      data: { type: 'string', default: DEFAULT_DATA_DIR },
    },
    USAGE,
  );
  if (!parsed) return 0;
  const { app, user } = parsed.values;
  if (!app || !user) throw new Error(`--app and --user are required\n\n${USAGE}`);
  const secrets = await readSecrets(path.resolve(String(parsed.values.data)));
  const secret = secrets[app];
  if (!secret)
    throw new Error(
      `no app "${app}" in ${parsed.values.data}/secrets.json; start the platform first (npm start)`,
    );
  console.log(
    await signUserToken({ secret: secret.jwtSecret, userId: user, expiresIn: Number(parsed.values.expires) }),
  );
  return 0;
}
