// A tiny scripted client-server API for the engine's own tests. It is not a homeserver: each
// endpoint answers what the test tells it to, so that the runner can be shown wrong responses.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCs {
  baseUrl: string;
  /** Responses /sync hands out in order (after the position-taking first call). */
  syncScript: unknown[];
  /** What POST /receipt answers. */
  receiptAnswer: { status: number; body: unknown };
  /** What GET .../account_data/... answers. */
  accountData: unknown;
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeCs(): Promise<FakeCs> {
  let n = 0;
  const fake: Partial<FakeCs> = { syncScript: [], receiptAnswer: { status: 200, body: {} }, accountData: {}, requests: [] };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      fake.requests!.push(`${req.method} ${url.pathname}`);
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      const p = url.pathname;
      if (p === '/_synapse/admin/v1/register') {
        if (req.method === 'GET') return send(200, { nonce: 'n' });
        const u = JSON.parse(body).username;
        return send(200, { user_id: `@${u.split('_').pop()}:hs`, access_token: `tok_${u}`, device_id: 'D' });
      }
      if (p.endsWith('/register') && url.searchParams.get('kind') === 'guest') return send(200, { user_id: `@guest${++n}:hs`, access_token: `tok_guest${n}`, device_id: 'G' });
      if (p.endsWith('/sync')) {
        if (!url.searchParams.get('since')) return send(200, { next_batch: 's0' });
        const next = fake.syncScript!.shift();
        if (next) return send(200, next);
        // Nothing scripted means nothing happened: hold the long-poll, as a server would.
        const hold = Math.min(Number(url.searchParams.get('timeout') ?? 0), 200);
        setTimeout(() => send(200, { next_batch: `s${++n}` }), hold);
        return;
      }
      if (p.endsWith('/createRoom')) return send(200, { room_id: '!room:hs' });
      if (p.includes('/join/')) return send(200, { room_id: '!room:hs' });
      // Event IDs follow the message body's first word ("hello from alice" -> $hello), so that
      // scripted sync responses can name them.
      if (p.includes('/send/')) return send(200, { event_id: `$${String(JSON.parse(body).body ?? 'ev').split(' ')[0]}` });
      if (p.includes('/account_data/') && req.method === 'GET') return send(200, fake.accountData);
      if (p.includes('/receipt/')) return send(fake.receiptAnswer!.status, fake.receiptAnswer!.body);
      return send(404, { errcode: 'M_UNRECOGNIZED', error: 'fake' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((r) => server.close(() => r()));
  return fake as FakeCs;
}
