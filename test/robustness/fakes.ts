// Misbehaving servers on loopback, one per test, each playing one way a target can break the
// suite. Every fake counts what reaches it, so a test can prove that bad input stopped the CLI
// before its first request.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type Behaviour =
  /** Accepts connections and never answers. */
  | 'blackhole'
  /** /versions sends its headers, then one byte every 5 s, forever. */
  | 'trickle'
  /** Every path answers 200 with an HTML page (with a terminal escape in it). */
  | 'html'
  /** Every path answers 500. */
  | 'error500'
  /** Not HTTP at all: random bytes with terminal escapes, then close. */
  | 'garbage'
  /** /versions streams a 200 MB body. */
  | 'huge'
  /** /versions answers; every other request is held open forever. */
  | 'silent-after-versions'
  /** /versions answers; registration answers a 502 HTML page (every scenario's registration fails). */
  | 'registration-broken'
  /** A just-working (and non-conformant) server that echoes the caller's token and the shared secret in every body. */
  | 'echo'
  /** Like echo, but createRoom streams a 200 MB body. */
  | 'huge-later'
  /** Answers /versions; used where the CLI must stop before any request. */
  | 'counting';

export interface Fake {
  url: string;
  /** Every request line (or connection, for the TCP fakes) that reached the fake. */
  requests: string[];
  /** Tokens the fake issued at registration, to look for in the outputs. */
  issued: string[];
  issuedTo: Map<string, string>;
  /** Bytes the huge fakes managed to send before the client hung up. */
  bytesSent: number;
  close(): Promise<void>;
}

const VERSIONS = JSON.stringify({ versions: ['r0.6.1', 'v1.1', 'v1.2', 'v1.3', 'v1.4', 'v1.5', 'v1.6', 'v1.7', 'v1.8', 'v1.9', 'v1.10', 'v1.11'] });
const HTML = '<!DOCTYPE html>\n<html><head><title>Bad Gateway</title></head>\n<body>\x1b[2J\x1b]0;pwned\x07<h1>502 Bad Gateway</h1>\n' + '<p>nginx</p>\n'.repeat(50) + '</body></html>\n';

export async function startFake(behaviour: Behaviour, opts: { sharedSecret?: string; users?: Record<string, string> } = {}): Promise<Fake> {
  const fake: Fake = { url: '', requests: [], issued: [], issuedTo: new Map(), bytesSent: 0, close: async () => undefined };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let server: Server;

  if (behaviour === 'blackhole' || behaviour === 'garbage') {
    server = createTcpServer((socket) => {
      fake.requests.push('(connection)');
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      if (behaviour === 'garbage') {
        const junk = Buffer.concat([Buffer.from('\x1b[2J\x1b[31mHELLO\x00\xff\xfe'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256))]);
        socket.end(junk);
      }
    });
  } else {
    let n = 0;
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      fake.requests.push(`${req.method} ${url.pathname}`);
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => route(req, res, url, body));
    };
    const json = (res: ServerResponse, status: number, v: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(v));
    };
    const stream200MB = (res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"versions": ["v1.1"], "padding": "');
      const chunk = Buffer.alloc(256 * 1024, 0x61);
      const total = 200 * 1024 * 1024;
      const pump = () => {
        while (fake.bytesSent < total) {
          fake.bytesSent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end('"}');
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    };
    const route = (req: IncomingMessage, res: ServerResponse, url: URL, body: string) => {
      // A base URL may carry a tag (/t0123abcd/_matrix/...) so that runs sharing one fake can be told apart.
      const p = url.pathname.replace(/^\/t[0-9a-f]{8}(?=\/)/, '');
      const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
      if (behaviour === 'html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(HTML);
      }
      if (behaviour === 'error500') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        return res.end('Internal Server Error\n\x1b[31mTraceback (most recent call last):\n  File "server.py", line 1\n');
      }
      if (p === '/_matrix/client/versions') {
        if (behaviour === 'trickle') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{');
          const t = setInterval(() => res.write(' '), 5_000);
          timers.add(t);
          res.on('close', () => clearInterval(t));
          return;
        }
        if (behaviour === 'huge') return stream200MB(res);
        return json(res, 200, JSON.parse(VERSIONS));
      }
      if (behaviour === 'silent-after-versions' || behaviour === 'trickle' || behaviour === 'huge') return; // held open
      if (behaviour === 'counting') return json(res, 503, { errcode: 'M_UNKNOWN', error: 'the suite should not have asked' });
      if (p === '/_synapse/admin/v1/register' || p.endsWith('/register')) {
        if (behaviour === 'registration-broken') {
          res.writeHead(502, { 'content-type': 'text/html' });
          return res.end(HTML);
        }
        if (req.method === 'GET') return json(res, 200, { nonce: `nonce${++n}` });
        const username = (JSON.parse(body || '{}') as { username?: string }).username ?? `u${n}`;
        const issued = `echoIssued${fake.issued.length}x${Math.random().toString(36).slice(2, 12)}`;
        fake.issued.push(issued);
        fake.issuedTo.set(issued, `@${username}:fake.test`);
        return json(res, 200, { user_id: `@${username}:fake.test`, access_token: issued, device_id: 'DEV' });
      }
      // From here on, every answer carries back what the caller must keep secret.
      const echo = { seen_token: token, the_secret_you_use: opts.sharedSecret ?? '' };
      if (p.endsWith('/account/whoami')) {
        const known = opts.users?.[token] ?? fake.issuedTo.get(token);
        return known ? json(res, 200, { user_id: known, ...echo }) : json(res, 401, { errcode: 'M_UNKNOWN_TOKEN', error: `unknown token ${token}`, ...echo });
      }
      if (p.endsWith('/createRoom')) {
        if (behaviour === 'huge-later') return stream200MB(res);
        return json(res, 200, { room_id: `!room${++n}:fake.test`, ...echo });
      }
      if (p.includes('/send/')) return json(res, 200, { event_id: `$ev${++n}`, ...echo });
      if (p.endsWith('/sync')) return json(res, 200, { next_batch: `s${++n}`, ...echo });
      // Anything else "succeeds", so that checks expecting an error fail and record the response.
      return json(res, 200, { note: `token ${token} and secret ${opts.sharedSecret ?? ''} accepted`, ...echo });
    };
    server = createHttpServer(handler) as unknown as Server;
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = async () => {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return fake;
}
