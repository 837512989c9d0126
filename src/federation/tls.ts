// Self-signed TLS certificate for the fake homeserver's HTTPS listener on 127.0.0.1.
//
// Choice: the npm library `selfsigned@5.5.0` (MIT; pure JS on @peculiar/x509 + WebCrypto), not `openssl` via
// child_process, so no system binary is needed. Node 20 itself cannot create X.509 certificates.
// The homeserver under test must not verify it (Synapse: `federation_verify_certificates: false`).

import { generate } from 'selfsigned';

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

/**
 * A self-signed certificate for 127.0.0.1, generated once per process on first use (the certificate carries
 * no identity the tests rely on, so every fake server instance can share it).
 */
export function getTlsMaterial(): Promise<TlsMaterial> {
  cached ??= create().catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}
