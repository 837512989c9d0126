import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { FakeHomeserver } from '../../src/federation/fake-server.ts';
import { buildPdu, checkContentHash, computeEventId, verifyEventSignature, type Pdu } from '../../src/federation/events.ts';
import { generateSigningKey } from '../../src/federation/keys.ts';
import { buildServerKeyDocument, buildXMatrixAuthorization, ServerKeyFetcher, verifyXMatrixRequest } from '../../src/federation/xmatrix.ts';
import { requestJson } from '../../src/federation/http.ts';
import { canonicalJson } from '../../src/federation/canonical-json.ts';

/**
 * A tiny resident "homeserver" (plain HTTP, like a homeserver's client listener) hosting one v11 room.
 * It checks the fake's X-Matrix signatures and join event, which tests the outgoing side independently
 * of the fake's own verifier.
 */
class StubResident {
  readonly serverName = 'stub.test';
  readonly key = generateSigningKey();
  readonly roomId = '!room:stub.test';
  readonly alice = '@alice:stub.test';
  readonly state: { event: Pdu; eventId: string }[] = [];
  readonly sendResults = new Map<string, unknown>();
  received: { method: string; path: string; body: unknown }[] = [];
  joinEvent: Pdu | undefined;
  server!: http.Server;
  baseUrl = '';
  private fetcher = new ServerKeyFetcher((name) => (/^127\.0\.0\.1:\d+$/.test(name) ? `https://${name}` : undefined));

  private add(type: string, stateKey: string, content: Record<string, unknown>): void {
    const byType = (t: string) => this.state.find((s) => s.event.type === t)?.eventId;
    const auth = [byType('m.room.create'), byType('m.room.power_levels'), this.state.find((s) => s.event.state_key === this.alice)?.eventId].filter(
      (x): x is string => x !== undefined,
    );
    const prev = this.state.at(-1);
    this.state.push(
      buildPdu(
        {
          roomVersion: '11', roomId: this.roomId, sender: this.alice, type, stateKey, content,
          prevEvents: prev ? [prev.eventId] : [], authEvents: type === 'm.room.create' ? [] : auth, depth: this.state.length + 1,
        },
        { serverName: this.serverName, key: this.key },
      ),
    );
  }

  async start(): Promise<void> {
    this.add('m.room.create', '', { creator: this.alice, room_version: '11' });
    this.add('m.room.member', this.alice, { membership: 'join' });
    this.add('m.room.power_levels', '', { users: { [this.alice]: 100 } });
    this.add('m.room.join_rules', '', { join_rule: 'public' });
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    const body: unknown = text ? JSON.parse(text) : undefined;
    const reply = (status: number, b: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(b));
    };
    const path = req.url!;
    this.received.push({ method: req.method!, path, body });
    if (path === '/_matrix/key/v2/server') return reply(200, buildServerKeyDocument(this.serverName, this.key));
    try {
      await verifyXMatrixRequest({ method: req.method!, uri: path, authorization: req.headers.authorization, content: body }, this.serverName, this.fetcher);
    } catch (e) {
      return reply(401, { errcode: 'M_UNAUTHORIZED', error: (e as Error).message });
    }
    const byType = (t: string) => this.state.find((s) => s.event.type === t)!.eventId;
    let m: RegExpExecArray | null;
    if ((m = /^\/_matrix\/federation\/v1\/make_join\/([^/]+)\/([^/?]+)\?ver=10&ver=11$/.exec(path))) {
      const userId = decodeURIComponent(m[2]!);
      return reply(200, {
        room_version: '11',
        event: {
          room_id: decodeURIComponent(m[1]!), sender: userId, state_key: userId, type: 'm.room.member', content: { membership: 'join' },
          auth_events: [byType('m.room.create'), byType('m.room.power_levels'), byType('m.room.join_rules')],
          prev_events: [this.state.at(-1)!.eventId], depth: this.state.length + 1, origin_server_ts: 1,
        },
      });
    }
    if ((m = /^\/_matrix\/federation\/v2\/send_join\/([^/]+)\/([^/]+)$/.exec(path))) {
      const ev = body as Pdu;
      if (computeEventId(ev, '11') !== decodeURIComponent(m[2]!)) return reply(400, { errcode: 'M_BAD_JSON', error: 'event ID mismatch' });
      if (!checkContentHash(ev)) return reply(400, { errcode: 'M_BAD_JSON', error: 'bad content hash' });
      const origin = ev.sender.split(':').slice(1).join(':');
      const keyId = Object.keys(ev.signatures[origin] ?? {})[0]!;
      const pub = await this.fetcher.getKey(origin, keyId);
      if (!verifyEventSignature(ev, '11', origin, keyId, pub)) return reply(403, { errcode: 'M_FORBIDDEN', error: 'bad signature' });
      this.joinEvent = ev;
      return reply(200, {
        origin: this.serverName,
        state: this.state.map((s) => s.event),
        auth_chain: this.state.map((s) => s.event),
        members_omitted: false,
        servers_in_room: [this.serverName],
      });
    }
    if ((m = /^\/_matrix\/federation\/v1\/send\/([^/]+)$/.exec(path))) {
      const pdus: Record<string, unknown> = {};
      for (const p of (body as { pdus: Pdu[] }).pdus) {
        const id = computeEventId(p, '11');
        pdus[id] = this.sendResults.get(id) ?? {};
      }
      return reply(200, { pdus });
    }
    return reply(404, { errcode: 'M_UNRECOGNIZED' });
  }

  /** Send a signed request to the fake, as the homeserver would. */
  async sendToFake(fake: FakeHomeserver, txnId: string, body: unknown) {
    const path = `/_matrix/federation/v1/send/${txnId}`;
    const auth = buildXMatrixAuthorization({ method: 'PUT', uri: path, origin: this.serverName, destination: fake.serverName, content: body }, this.key);
    return requestJson({ method: 'PUT', baseUrl: fake.baseUrl, path, headers: { Authorization: auth }, body: canonicalJson(body) });
  }
}

describe('FakeHomeserver joining a room hosted by the target', () => {
  const stub = new StubResident();
  let fake: FakeHomeserver;

  beforeAll(async () => {
    await stub.start();
    fake = await FakeHomeserver.start({ target: { serverName: stub.serverName, baseUrl: stub.baseUrl } });
  });
  afterAll(async () => {
    await fake?.stop();
    await new Promise((r) => stub.server?.close(r));
  });

  it('joins via make_join (ver=10&ver=11) and send_join, and tracks state and tips', async () => {
    const bob = fake.userId('bob');
    const { eventId, roomVersion } = await fake.joinRoom(stub.roomId, bob);
    expect(roomVersion).toBe('11');
    expect(stub.joinEvent).toBeDefined();
    expect(computeEventId(stub.joinEvent!, '11')).toBe(eventId);
    expect(stub.joinEvent!.origin_server_ts).toBeGreaterThan(1);
    const info = fake.roomInfo(stub.roomId)!;
    expect(info.tips).toEqual([eventId]);
    expect(info.state.get(`m.room.member\u0000${bob}`)).toBe(eventId);
    expect(info.state.size).toBe(5);
    expect(stub.received.map((r) => r.path.split('?')[0]!.split('/').slice(0, 5).join('/'))).toEqual([
      '/_matrix/federation/v1/make_join',
      '/_matrix/federation/v2/send_join',
    ]);
    // The stub fetched the fake's key document to check both X-Matrix and the join event signature.
    expect(fake.received.requests.filter((r) => r.path === '/_matrix/key/v2/server')).toHaveLength(1);
  });

  it('creates events on the tracked tips with the right auth events, and advances tips once accepted', async () => {
    const bob = fake.userId('bob');
    const info = fake.roomInfo(stub.roomId)!;
    const joinId = info.tips[0]!;
    const msg = fake.createEvent(stub.roomId, { type: 'm.room.message', sender: bob, content: { body: 'one' } });
    expect(msg.event.prev_events).toEqual([joinId]);
    expect(msg.event.depth).toBe(fake.getEvent(joinId)!.depth + 1);
    expect(new Set(msg.event.auth_events)).toEqual(
      new Set([info.state.get('m.room.create\u0000'), info.state.get('m.room.power_levels\u0000'), info.state.get(`m.room.member\u0000${bob}`)]),
    );
    expect(fake.roomInfo(stub.roomId)!.tips).toEqual([joinId]); // not sent yet

    const res = await fake.sendTransaction({ pdus: [msg.event] });
    expect(res).toEqual({ status: 200, body: { pdus: { [msg.eventId]: {} } } });
    expect(fake.roomInfo(stub.roomId)!.tips).toEqual([msg.eventId]);

    const rejected = fake.createEvent(stub.roomId, { type: 'm.room.message', sender: bob, content: { body: 'two' } });
    stub.sendResults.set(rejected.eventId, { error: 'nope' });
    await fake.sendTransaction({ pdus: [rejected.event] });
    expect(fake.roomInfo(stub.roomId)!.tips).toEqual([msg.eventId]);
  });

  it('records PDUs from the target with computed IDs and serves them back', async () => {
    const info = fake.roomInfo(stub.roomId)!;
    const { event, eventId } = buildPdu(
      {
        roomVersion: '11', roomId: stub.roomId, sender: stub.alice, type: 'm.room.message', content: { body: 'from alice' },
        prevEvents: info.tips, authEvents: [], depth: 99,
      },
      { serverName: stub.serverName, key: stub.key },
    );
    const waiting = fake.waitForPdu((p) => p.eventId === eventId, { timeoutMs: 5000 });
    const res = await stub.sendToFake(fake, 'txn-a', { origin: stub.serverName, origin_server_ts: Date.now(), pdus: [event], edus: [] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ pdus: { [eventId]: {} } });
    expect((await waiting).origin).toBe(stub.serverName);
    expect(fake.roomInfo(stub.roomId)!.tips).toEqual([eventId]);
    const next = fake.createEvent(stub.roomId, { type: 'm.room.message', sender: fake.userId('bob'), content: {} });
    expect(next.event.prev_events).toEqual([eventId]);
    expect(next.event.depth).toBe(100);

    const got = await fake.federationRequest('GET', `/_matrix/federation/v1/event/${encodeURIComponent(eventId)}`, undefined, {
      destination: fake.serverName,
      baseUrl: fake.baseUrl,
    });
    expect(got).toMatchObject({ status: 200, body: { pdus: [event] } });
    const ids = await fake.federationRequest('GET', `/_matrix/federation/v1/state_ids/${encodeURIComponent(stub.roomId)}?event_id=${encodeURIComponent(eventId)}`, undefined, {
      destination: fake.serverName,
      baseUrl: fake.baseUrl,
    });
    expect(ids.status).toBe(200);
    expect((ids.body as { pdu_ids: string[] }).pdu_ids).toHaveLength(5);
  });
});
