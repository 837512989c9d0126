// Guest accounts: registered with POST /register?kind=guest, waiting out the server's 429s; a
// refusal is a RegistrationError that names the endpoint; the pool registers a scenario's guests
// as guests, one at a time beside the users, and hands each to its scenario.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MatrixApi, MatrixUser } from '../src/client/matrix.ts';
import { registerGuest, RegistrationError, type AccountKind, type Registrar } from '../src/client/register.ts';
import { UserPool } from '../src/runner/user-pool.ts';
import { localpartOf } from '../src/runner/context.ts';

let server: Server;
let api: MatrixApi;
let answers: { status: number; json: unknown }[] = [];
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`);
      const a = answers.shift() ?? { status: 200, json: { user_id: '@guest1:hs', access_token: 'guest-token-1', device_id: 'G' } };
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(a.json));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api = new MatrixApi({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
afterAll(() => new Promise((r) => server.close(r)));

describe('registerGuest', () => {
  it('asks for kind=guest and waits out a 429 as the server asks', async () => {
    seen.length = 0;
    answers = [{ status: 429, json: { errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 30 } }];
    const u = await registerGuest(api);
    expect(u.userId).toBe('@guest1:hs');
    expect(seen).toEqual(['POST /_matrix/client/v3/register?kind=guest', 'POST /_matrix/client/v3/register?kind=guest']);
  });

  it('a refusal names the endpoint and the answer', async () => {
    answers = [{ status: 403, json: { errcode: 'M_GUEST_ACCESS_FORBIDDEN', error: 'Guest access is disabled' } }];
    const err = await registerGuest(api).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistrationError);
    expect((err as Error).message).toBe('guest registration: POST /register?kind=guest answered 403 M_GUEST_ACCESS_FORBIDDEN Guest access is disabled');
  });
});

describe('UserPool', () => {
  it("registers each scenario's guests as guests, one at a time, and its other users as users", async () => {
    const calls: { localpart: string; kind: AccountKind }[] = [];
    let guestsAtOnce = 0;
    let maxGuestsAtOnce = 0;
    const fake: Registrar = {
      async register(localpart, kind = 'user') {
        calls.push({ localpart, kind });
        if (kind === 'guest') maxGuestsAtOnce = Math.max(maxGuestsAtOnce, ++guestsAtOnce);
        await new Promise((r) => setImmediate(r));
        if (kind === 'guest') guestsAtOnce--;
        return new MatrixUser(api, `@${kind}-${localpart}:hs`, 't');
      },
    };
    const pool = new UserPool(fake);
    const scenarios = [
      { id: 'cs.guests.a', users: ['alice', 'guest'], guests: ['guest'] },
      { id: 'cs.guests.b', users: ['alice', 'guest'], guests: ['guest'] },
      { id: 'cs.receipts.c', users: ['alice', 'bob'], guests: [] },
    ];
    await pool.fill(scenarios, 'rc', 4);
    expect(calls.filter((c) => c.kind === 'guest').map((c) => c.localpart).sort()).toEqual([localpartOf('rc', 'cs.guests.a', 'guest'), localpartOf('rc', 'cs.guests.b', 'guest')].sort());
    expect(calls.filter((c) => c.kind === 'user')).toHaveLength(4);
    expect(maxGuestsAtOnce).toBe(1);
    const g = await pool.register(localpartOf('rc', 'cs.guests.a', 'guest'), 'guest');
    expect(g.userId).toBe(`@guest-${localpartOf('rc', 'cs.guests.a', 'guest')}:hs`);
    expect(calls).toHaveLength(6);
  });
});
