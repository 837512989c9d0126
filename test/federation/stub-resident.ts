// A tiny resident "homeserver" for unit tests (plain HTTP, like a homeserver's client listener) hosting one
// room per room version. It checks the fake's X-Matrix signatures and join events with its own calls into
// events.ts, the way Dendrite does (path event ID = computed ID, content hash, signature by the room's
// redaction rules) plus Synapse's v12 rule (no create event in auth_events).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildPdu, checkContentHash, computeEventId, roomIdFromCreateEvent, verifyEventSignature, type Pdu } from '../../src/federation/events.ts';
import { generateSigningKey } from '../../src/federation/keys.ts';
import { roomVersionRules } from '../../src/federation/room-versions.ts';
import { buildServerKeyDocument, buildXMatrixAuthorization, ServerKeyFetcher, verifyXMatrixRequest } from '../../src/federation/xmatrix.ts';
import { requestJson } from '../../src/federation/http.ts';
import { canonicalJson } from '../../src/federation/canonical-json.ts';
import type { FakeHomeserver } from '../../src/federation/fake-server.ts';

export interface StubRoom {
  roomId: string;
  version: string;
  state: { event: Pdu; eventId: string }[];
  joinEvent?: Pdu;
}

type Reply = [number, unknown];

export class StubResident {
  readonly serverName = 'stub.test';
  readonly key = generateSigningKey();
  readonly alice = '@alice:stub.test';
  readonly rooms = new Map<string, StubRoom>();
  readonly sendResults = new Map<string, unknown>();
  /** Answers make_join with this version whatever `ver=` says (a server that ignores `ver`). */
  ignoreVer = false;
  received: { method: string; path: string; body: unknown }[] = [];
  server!: http.Server;
  baseUrl = '';
  private readonly fetcher = new ServerKeyFetcher((name) => (/^127\.0\.0\.1:\d+$/.test(name) ? `https://${name}` : undefined));

  /** Creates a public room of `version` the Synapse way: create, creator's join, power levels, join rules. */
  addRoom(version: string): StubRoom {
    const rules = roomVersionRules(version);
    const room: StubRoom = { roomId: `!v${version}:${this.serverName}`, version, state: [] };
    const createContent: Record<string, unknown> = { room_version: version, ...(rules.createNeedsCreator ? { creator: this.alice } : {}) };
    this.addEvent(room, 'm.room.create', '', createContent);
    if (rules.roomIdFromCreateEvent) room.roomId = roomIdFromCreateEvent(room.state[0]!.event, version);
    this.addEvent(room, 'm.room.member', this.alice, { membership: 'join' });
    this.addEvent(room, 'm.room.power_levels', '', { users: rules.creatorsHaveInfinitePower ? {} : { [this.alice]: 100 } });
    this.addEvent(room, 'm.room.join_rules', '', { join_rule: 'public' });
    this.rooms.set(room.roomId, room);
    return room;
  }

  stateId(room: StubRoom, type: string, stateKey = ''): string | undefined {
    return room.state.find((s) => s.event.type === type && s.event.state_key === stateKey)?.eventId;
  }

  /** Auth events the way the spec selects them, without the create event in v12. */
  authFor(room: StubRoom, extra: string[] = []): string[] {
    const withCreate = roomVersionRules(room.version).createEventInAuthEvents;
    const ids = [withCreate ? this.stateId(room, 'm.room.create') : undefined, this.stateId(room, 'm.room.power_levels'), ...extra];
    return ids.filter((x): x is string => x !== undefined);
  }

  private addEvent(room: StubRoom, type: string, stateKey: string, content: Record<string, unknown>): void {
    const isCreate = type === 'm.room.create';
    const auth = isCreate ? [] : this.authFor(room, [this.stateId(room, 'm.room.member', this.alice)].filter((x): x is string => x !== undefined));
    const prev = room.state.at(-1);
    const roomId = isCreate && roomVersionRules(room.version).roomIdFromCreateEvent ? undefined : room.roomId;
    room.state.push(
      buildPdu(
        { roomVersion: room.version, roomId, sender: this.alice, type, stateKey, content, prevEvents: prev ? [prev.eventId] : [], authEvents: auth, depth: room.state.length + 1, origin: this.serverName },
        { serverName: this.serverName, key: this.key },
      ),
    );
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    const body: unknown = text ? JSON.parse(text) : undefined;
    const path = req.url!;
    this.received.push({ method: req.method!, path, body });
    const [status, answer] = await this.route(req, path, body);
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
  }

  private async route(req: http.IncomingMessage, path: string, body: unknown): Promise<Reply> {
    if (path === '/_matrix/key/v2/server') return [200, buildServerKeyDocument(this.serverName, this.key)];
    try {
      await verifyXMatrixRequest({ method: req.method!, uri: path, authorization: req.headers.authorization, content: body }, this.serverName, this.fetcher);
    } catch (e) {
      return [401, { errcode: 'M_UNAUTHORIZED', error: (e as Error).message }];
    }
    const url = new URL(path, 'http://x');
    const seg = url.pathname.split('/').map(decodeURIComponent);
    if (seg[4] === 'make_join') return this.makeJoin(seg[5]!, seg[6]!, url.searchParams.getAll('ver'));
    if (seg[4] === 'send_join') return this.sendJoin(seg[5]!, seg[6]!, body as Pdu);
    if (seg[4] === 'send') return this.onSend(body as { pdus: Pdu[] });
    return [404, { errcode: 'M_UNRECOGNIZED' }];
  }

  private makeJoin(roomId: string, userId: string, vers: string[]): Reply {
    const room = this.rooms.get(roomId);
    if (!room) return [404, { errcode: 'M_NOT_FOUND' }];
    if (!this.ignoreVer && !vers.includes(room.version)) {
      return [400, { errcode: 'M_INCOMPATIBLE_ROOM_VERSION', error: 'Your homeserver does not support the features required to join this room', room_version: room.version }];
    }
    const event = {
      room_id: roomId, sender: userId, state_key: userId, type: 'm.room.member', content: { membership: 'join' },
      auth_events: this.authFor(room, [this.stateId(room, 'm.room.join_rules')!]),
      prev_events: [room.state.at(-1)!.eventId], depth: room.state.length + 1,
    };
    return [200, { room_version: room.version, event }];
  }

  private async sendJoin(roomId: string, eventId: string, ev: Pdu): Promise<Reply> {
    const room = this.rooms.get(roomId);
    if (!room) return [404, { errcode: 'M_NOT_FOUND' }];
    if (computeEventId(ev, room.version) !== eventId) return [400, { errcode: 'M_BAD_JSON', error: 'event ID mismatch' }];
    if (!checkContentHash(ev)) return [400, { errcode: 'M_BAD_JSON', error: 'bad content hash' }];
    if ('event_id' in ev) return [400, { errcode: 'M_BAD_JSON', error: 'event_id in a v3+ event' }];
    if (!roomVersionRules(room.version).createEventInAuthEvents && ev.auth_events.includes(room.state[0]!.eventId)) {
      return [400, { errcode: 'M_BAD_JSON', error: 'auth_events must not contain the create event' }];
    }
    const origin = ev.sender.split(':').slice(1).join(':');
    const keyId = Object.keys(ev.signatures[origin] ?? {})[0]!;
    const pub = await this.fetcher.getKey(origin, keyId);
    if (!verifyEventSignature(ev, room.version, origin, keyId, pub)) return [403, { errcode: 'M_FORBIDDEN', error: 'bad signature' }];
    room.joinEvent = ev;
    const events = room.state.map((s) => s.event);
    return [200, { origin: this.serverName, state: events, auth_chain: events, members_omitted: false, servers_in_room: [this.serverName] }];
  }

  private onSend(body: { pdus: Pdu[] }): Reply {
    const pdus: Record<string, unknown> = {};
    for (const p of body.pdus) {
      const room = this.rooms.get(p.room_id);
      if (!room) continue;
      const id = computeEventId(p, room.version);
      pdus[id] = this.sendResults.get(id) ?? {};
    }
    return [200, { pdus }];
  }

  /** Send a signed request to the fake, as the homeserver would. */
  async sendToFake(fake: FakeHomeserver, txnId: string, body: unknown) {
    const path = `/_matrix/federation/v1/send/${txnId}`;
    const auth = buildXMatrixAuthorization({ method: 'PUT', uri: path, origin: this.serverName, destination: fake.serverName, content: body }, this.key);
    return requestJson({ method: 'PUT', baseUrl: fake.baseUrl, path, headers: { Authorization: auth }, body: canonicalJson(body) });
  }
}
