import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** File paths of one run's throwaway PKI; every key and certificate is made fresh per run. */
export interface Pki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** Client certificate of the admin user (`system:masters`): the tests' identity. */
  adminCert: string;
  adminKey: string;
  /** Client certificate kube-controller-manager authenticates with. */
  controllerManagerCert: string;
  controllerManagerKey: string;
  /** Service-account token signing key pair. */
  serviceAccountKey: string;
  serviceAccountPub: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-noenc'];

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`openssl ${args[0]} failed${stderr ? `: ${stderr}` : ''}`, { cause: error });
  }
}

/**
 * A key and certificate signed by the run's CA (OpenSSL 3's `req -x509 -CA`), written to
 * `<name>.key` and `<name>.crt`.
 */
export async function leaf(pki: Pki, name: string, subject: string, extensions: string[]) {
  const key = `${name}.key`;
  const cert = `${name}.crt`;
  // biome-ignore format: flags and their values read best in pairs
  await openssl([
    'req', '-x509', ...EC, '-days', '2', '-subj', subject,
    '-CA', pki.caCert, '-CAkey', pki.caKey, '-keyout', key, '-out', cert,
    '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature',
    ...extensions.flatMap((extension) => ['-addext', extension]),
  ]);
}

/**
 * Creates a CA, the apiserver's serving certificate (valid for loopback and the in-cluster
 * names of the `kubernetes` Service, and `extraIps`), client certificates and the service-account key pair.
 * EC P-256 keys: generated in milliseconds, accepted by every component.
 */
export async function createPki(dir: string, serviceIp: string, extraIps: string[] = []): Promise<Pki> {
  const file = (name: string) => path.join(dir, name);
  const pki: Pki = {
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    serverCert: file('apiserver.crt'),
    serverKey: file('apiserver.key'),
    adminCert: file('admin.crt'),
    adminKey: file('admin.key'),
    controllerManagerCert: file('controller-manager.crt'),
    controllerManagerKey: file('controller-manager.key'),
    serviceAccountKey: file('service-account.key'),
    serviceAccountPub: file('service-account.pub'),
  };
  // biome-ignore format: flags and their values read best in pairs
  await openssl([
    'req', '-x509', ...EC, '-days', '2', '-subj', '/CN=bbfn-test-ca',
    '-keyout', pki.caKey, '-out', pki.caCert,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const names = [
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
  ];
  const sans = [
    'IP:127.0.0.1',
    `IP:${serviceIp}`,
    ...extraIps.map((ip) => `IP:${ip}`),
    'DNS:localhost',
    ...names.map((name) => `DNS:${name}`),
  ];
  await Promise.all([
    leaf(pki, file('apiserver'), '/CN=kube-apiserver', [
      `subjectAltName=${sans.join(',')}`,
      'extendedKeyUsage=serverAuth',
    ]),
    leaf(pki, file('admin'), '/O=system:masters/CN=bbfn-test-admin', ['extendedKeyUsage=clientAuth']),
    // In system:masters because --use-service-account-credentials=false runs every
    // controller as this one identity, which then needs all their permissions.
    leaf(pki, file('controller-manager'), '/O=system:masters/CN=system:kube-controller-manager', [
      'extendedKeyUsage=clientAuth',
    ]),
    (async () => {
      await openssl([
        'genpkey',
        '-algorithm',
        'EC',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-out',
        pki.serviceAccountKey,
      ]);
      await openssl(['pkey', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub]);
    })(),
  ]);
  return pki;
}
