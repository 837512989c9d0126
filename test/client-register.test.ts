// Registration registers every credential it handles for redaction, and its errors are one
// printable line that never repeats a secret the server echoed back.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { MatrixApi } from '../src/client/matrix.ts';
import { makeRegistrar, probeRegistration, RegistrationError } from '../src/client/register.ts';
import { clearSecrets, redact } from '../src/safety/redaction.ts';

const SECRET = 'planted-shared-secret-51d2';
const ISSUED = 'issuedTok-0a9b8c7d6e';
let mode: 'ok' | 'echo' | 'html' | 'binary' = 'ok';
let server: Server;
let api: MatrixApi;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const auth = req.headers.authorization ?? '';
      const json = (status: number, v: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      if (req.url === '/_synapse/admin/v1/register' && req.method === 'GET') return json(200, { nonce: 'n1' });
      if (req.url === '/_synapse/admin/v1/register') {
        if (mode === 'ok') return json(200, { user_id: '@u:hs', access_token: ISSUED });
        if (mode === 'echo') return json(403, { errcode: 'M_FORBIDDEN', error: `bad mac for secret ${SECRET}`, access_token: ISSUED, mirror: body });
        if (mode === 'html') {
          res.writeHead(502, { 'content-type': 'text/html' });
          return res.end('<html>\n<body>\x1b[2J Bad Gateway</body>\n</html>');
        }
        res.writeHead(500);
        return res.end(Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0x80, 0x81, 0x1b, 0x5b]));
      }
      if (req.url?.endsWith('/account/whoami')) {
        const token = auth.replace(/^Bearer /, '');
        if (token === 'good-token-aaaa') return json(200, { user_id: '@a:hs' });
        if (token === 'other-token-bbbb') return json(200, { user_id: '@someone-else:hs' });
        return json(401, { errcode: 'M_UNKNOWN_TOKEN', error: `token ${token} is unknown` });
      }
      json(404, { errcode: 'M_UNRECOGNIZED' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api = new MatrixApi({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});

afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => {
  clearSecrets();
  mode = 'ok';
});

async function registrationError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RegistrationError);
    return (err as Error).message;
  }
  throw new Error('expected a RegistrationError');
}

describe('registration and secrets', () => {
  it('registers the shared secret and every issued token', async () => {
    const user = await makeRegistrar(api, { mode: 'shared-secret', sharedSecret: SECRET }).register('u');
    expect(user.accessToken).toBe(ISSUED);
    expect(redact(`${SECRET} ${ISSUED}`)).toBe('<redacted> <redacted>');
  });

  it('an error echoing the secret and a token says what failed without either', async () => {
    mode = 'echo';
    const msg = await registrationError(makeRegistrar(api, { mode: 'shared-secret', sharedSecret: SECRET }).register('u'));
    expect(msg).toBe('shared-secret registration of u: POST /_synapse/admin/v1/register answered 403 M_FORBIDDEN bad mac for secret <redacted>');
    expect(redact(`later ${ISSUED}`)).toBe('later <redacted>');
  });

  it('an HTML or binary error body becomes one printable line', async () => {
    mode = 'html';
    const html = await registrationError(makeRegistrar(api, { mode: 'shared-secret', sharedSecret: SECRET }).register('u'));
    expect(html).toBe('shared-secret registration of u: POST /_synapse/admin/v1/register answered 502: <html> <body>\\x1b[2J Bad Gateway</body> </html>');
    mode = 'binary';
    const bin = await registrationError(makeRegistrar(api, { mode: 'shared-secret', sharedSecret: SECRET }).register('u'));
    expect(bin).toMatch(/answered 500: \(\d+ characters of binary data\)$/);
  });

  it('probeRegistration checks every users-file token with whoami, naming users, never tokens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-probe-'));
    const file = join(dir, 'users.yaml');
    writeFileSync(file, '- {user_id: "@a:hs", access_token: good-token-aaaa}\n- {user_id: "@b:hs", access_token: bad-token-cccc}\n- {user_id: "@c:hs", access_token: other-token-bbbb}\n');
    const msg = await registrationError(probeRegistration(api, { mode: 'users-file', file }, 'probe'));
    expect(msg).toBe(`users file ${file}: user 2 (@b:hs): GET /account/whoami answered 401 M_UNKNOWN_TOKEN token <redacted> is unknown; user 3: the token belongs to @someone-else:hs, not @c:hs`);
    writeFileSync(file, '- {user_id: "@a:hs", access_token: good-token-aaaa}\n');
    await probeRegistration(api, { mode: 'users-file', file }, 'probe');
  });

  it('probeRegistration surfaces a broken registration once, before any scenario', async () => {
    mode = 'html';
    const msg = await registrationError(probeRegistration(api, { mode: 'shared-secret', sharedSecret: SECRET }, 'rc000000_probe'));
    expect(msg).toContain('shared-secret registration of rc000000_probe: POST /_synapse/admin/v1/register answered 502');
  });
});

describe('probeRegistration deadline', () => {
  it('one deadline bounds the whole probe against a server that never answers', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const quiet = new MatrixApi({ baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` });
    const started = performance.now();
    try {
      await expect(probeRegistration(quiet, { mode: 'shared-secret', sharedSecret: SECRET }, 'p', { deadlineMs: 700 })).rejects.toThrow(/timeout/);
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
