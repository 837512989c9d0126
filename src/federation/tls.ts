// Self-signed TLS certificate for the fake homeserver's HTTPS listener on 127.0.0.1.
//
// Choice: the npm library `selfsigned@5.5.0` (MIT; pure JS on @peculiar/x509 + WebCrypto), not `openssl` via
// child_process, so no system binary is needed. Node 20 itself cannot create X.509 certificates.
// The homeserver under test must not verify it (Synapse: `federation_verify_certificates: false`).

import { generate } from 'selfsigned';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export interface TlsMaterial {
  /** PEM private key. */
  key: string;
  /** PEM certificate. */
  cert: string;
}

let cached: Promise<TlsMaterial> | undefined;

async function create(): Promise<TlsMaterial> {
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60 * 60 * 1000),
    notAfterDate: new Date(now + 7 * 24 * 60 * 60 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/** Where a run's certificate is kept, so that its child processes (the vitest worker) serve the same one. */
const SHARED = 'RC_FED_TLS_FILE';

/** Written once by the first process of a run, read by the processes it starts. */
async function shared(): Promise<TlsMaterial> {
  const file = process.env[SHARED];
  if (file) return JSON.parse(readFileSync(file, 'utf8')) as TlsMaterial;
  const material = await create();
  const dir = mkdtempSync(join(tmpdir(), 'rc-tls-'));
  const path = join(dir, 'tls.json');
  writeFileSync(path, JSON.stringify(material), { mode: 0o600 });
  process.env[SHARED] = path;
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return material;
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost, generated once per run on first use and
 * shared with the run's child processes: a target told to trust it (a CA file) trusts every fake
 * server of the run, whichever process starts it.
 */
export function getTlsMaterial(): Promise<TlsMaterial> {
  cached ??= shared().catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}
