import { readFile, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export interface KubeconfigInput {
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
  user: string;
}

const base64 = async (file: string) => (await readFile(file)).toString('base64');

/**
 * Writes a self-contained kubeconfig (certificates embedded), so it keeps working for
 * any tool that copies it elsewhere, and is only readable by us: it holds admin keys.
 */
export async function writeKubeconfig(file: string, input: KubeconfigInput): Promise<void> {
  const name = 'bbfn-test';
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name, cluster: { server: input.server, 'certificate-authority-data': await base64(input.caCert) } },
    ],
    users: [
      {
        name: input.user,
        user: {
          'client-certificate-data': await base64(input.clientCert),
          'client-key-data': await base64(input.clientKey),
        },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: input.user, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  };
  await writeFile(file, stringify(config), { mode: 0o600 });
}
