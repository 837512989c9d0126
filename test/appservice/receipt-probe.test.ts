// The receipt-push probe against a scripted homeserver and the real receiver: a server that pushes
// the probe's receipt is found to push; one that pushes only events is found not to, with the
// evidence; one whose client API fails leaves the probe undecided.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpRequest } from '../../src/client/http.ts';
import { AppServiceReceiver, OBSERVE_PATH } from '../../src/appservice/receiver.ts';
import { probeReceiptPush } from '../../src/appservice/receipt-probe.ts';
import type { AppServiceAccess } from '../../src/appservice/access.ts';

const HS = 'hs-token-probe-test';
let rx: AppServiceReceiver;
let hs: Server;
let baseUrl: string;
let mode: 'receipts' | 'events-only' | 'broken';

beforeEach(async () => {
  rx = await AppServiceReceiver.start({ hsToken: HS, observerToken: 'obs-token-probe-test' });
  let txn = 0;
  const push = (body: object) => httpRequest({ method: 'PUT', url: `${rx.url}/_matrix/app/v1/transactions/${++txn}`, headers: { authorization: `Bearer ${HS}` }, json: body });
  hs = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const p = new URL(req.url ?? '/', 'http://x').pathname;
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (mode === 'broken') return send(500, { errcode: 'M_UNKNOWN' });
      if (p.endsWith('/register')) return send(200, { user_id: '@_rcas_probe:hs', access_token: 'tok-probe' });
      if (p.endsWith('/createRoom')) return send(200, { room_id: '!probe:hs' });
      if (p.includes('/send/')) return send(200, { event_id: '$probe' });
      if (p.includes('/receipt/')) {
        send(200, {});
        const events = [{ event_id: '$probe', room_id: '!probe:hs', type: 'org.matrix.receipts_conformance.probe' }];
        const ephemeral = mode === 'receipts' ? [{ type: 'm.receipt', room_id: '!probe:hs', content: { $probe: { 'm.read': { '@_rcas_probe:hs': { ts: 1 } } } } }] : [];
        void push({ events, ephemeral });
        return;
      }
      send(404, { errcode: 'M_UNRECOGNIZED' });
    });
  });
  await new Promise<void>((r) => hs.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(hs.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await rx.stop();
  await new Promise((r) => hs.close(r));
});

const access = (): AppServiceAccess => ({ id: 'x', asToken: 'as-token-probe-test', userPrefix: '_rcas_', senderLocalpart: 'bot', observerUrl: `${rx.url}${OBSERVE_PATH}`, observerToken: 'obs-token-probe-test' });

describe('probeReceiptPush', () => {
  it('finds a server that pushes the receipt', async () => {
    mode = 'receipts';
    const r = await probeReceiptPush(baseUrl, access(), () => {}, 2_000);
    expect(r).toMatchObject({ pushed: true });
  });

  it('finds a server that pushes only events, and says what it saw', async () => {
    mode = 'events-only';
    const started = performance.now();
    const r = await probeReceiptPush(baseUrl, access(), () => {}, 500);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(r).toMatchObject({ pushed: false });
    expect(r && !r.pushed && r.evidence).toMatch(/1 transaction\(s\) about that room arrived, none with the receipt/);
  });

  it('stays undecided when the client API fails', async () => {
    mode = 'broken';
    const lines: string[] = [];
    expect(await probeReceiptPush(baseUrl, access(), (l) => lines.push(l), 500)).toBeUndefined();
    expect(lines.join('\n')).toMatch(/could not run \(POST \/register answered 500/);
    expect(lines.join('\n')).not.toContain('as-token-probe-test');
  });
});
