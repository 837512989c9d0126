import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { FakeHomeserver, JoinError, UnsupportedRoomVersionError } from '../../src/federation/fake-server.ts';
import { buildPdu, computeEventId, SUPPORTED_ROOM_VERSIONS } from '../../src/federation/events.ts';
import { StubResident, type StubRoom } from './stub-resident.ts';

describe('FakeHomeserver joining rooms of every supported version', () => {
  const stub = new StubResident();
  let fake: FakeHomeserver;

  beforeAll(async () => {
    for (const v of SUPPORTED_ROOM_VERSIONS) stub.addRoom(v);
    await stub.start();
    fake = await FakeHomeserver.start({ target: { serverName: stub.serverName, baseUrl: stub.baseUrl } });
  });
  afterAll(async () => {
    await fake?.stop();
    await stub.close();
  });

  const roomOf = (v: string): StubRoom => [...stub.rooms.values()].find((r) => r.version === v)!;

  it('offers versions 6 to 12 in make_join', async () => {
    expect(SUPPORTED_ROOM_VERSIONS).toEqual(['6', '7', '8', '9', '10', '11', '12']);
    await fake.joinRoom(roomOf('10').roomId, fake.userId('probe'));
    const mj = stub.received.find((r) => r.path.includes('/make_join/'))!;
    expect(mj.path.split('?')[1]).toBe('ver=6&ver=7&ver=8&ver=9&ver=10&ver=11&ver=12');
  });

  it.each(SUPPORTED_ROOM_VERSIONS)('v%s: joins via make_join and send_join and tracks state and tips', async (v) => {
    const room = roomOf(v);
    const bob = fake.userId(`bob${v}`);
    const { eventId, roomVersion } = await fake.joinRoom(room.roomId, bob);
    expect(roomVersion).toBe(v);
    expect(room.joinEvent).toBeDefined();
    expect(computeEventId(room.joinEvent!, v)).toBe(eventId);
    expect(room.joinEvent!.origin).toBe(fake.serverName);
    expect(room.joinEvent!.origin_server_ts).toBeGreaterThan(1);
    const info = fake.roomInfo(room.roomId)!;
    expect(info.roomVersion).toBe(v);
    expect(info.tips).toEqual([eventId]);
    expect(info.state.get(`m.room.member\u0000${bob}`)).toBe(eventId);
    expect(info.state.size).toBe(5);
  });

  it.each(SUPPORTED_ROOM_VERSIONS)('v%s: builds messages with the auth events of the version and sends them', async (v) => {
    const room = roomOf(v);
    const bob = fake.userId(`bob${v}`);
    const info = fake.roomInfo(room.roomId)!;
    const joinId = info.tips[0]!;
    const msg = fake.createEvent(room.roomId, { type: 'm.room.message', sender: bob, content: { body: 'one' } });
    expect(msg.event.prev_events).toEqual([joinId]);
    expect(msg.event.room_id).toBe(room.roomId);
    expect(msg.event.depth).toBe(fake.getEvent(joinId)!.depth + 1);
    const create = info.state.get('m.room.create\u0000')!;
    const expected = [info.state.get('m.room.power_levels\u0000'), info.state.get(`m.room.member\u0000${bob}`)];
    expect(new Set(msg.event.auth_events)).toEqual(new Set(v === '12' ? expected : [create, ...expected]));
    expect(fake.roomInfo(room.roomId)!.tips).toEqual([joinId]); // not sent yet
    const res = await fake.sendTransaction({ pdus: [msg.event] });
    expect(res).toEqual({ status: 200, body: { pdus: { [msg.eventId]: {} } } });
    expect(fake.roomInfo(room.roomId)!.tips).toEqual([msg.eventId]);
  });

  it('reads power levels by the room version: v12 creators are infinite, others from users', () => {
    expect(fake.powerLevel(roomOf('11').roomId, stub.alice)).toBe(100);
    expect(fake.powerLevel(roomOf('12').roomId, stub.alice)).toBe(Infinity);
    expect(fake.powerLevel(roomOf('12').roomId, fake.userId('bob12'))).toBe(0);
  });

  it('does not move tips for a PDU the target rejects', async () => {
    const room = roomOf('11');
    const before = fake.roomInfo(room.roomId)!.tips;
    const rejected = fake.createEvent(room.roomId, { type: 'm.room.message', sender: fake.userId('bob11'), content: { body: 'two' } });
    stub.sendResults.set(rejected.eventId, { error: 'nope' });
    await fake.sendTransaction({ pdus: [rejected.event] });
    expect(fake.roomInfo(room.roomId)!.tips).toEqual(before);
  });

  it('records PDUs from the target with computed IDs and serves them back', async () => {
    const room = roomOf('12');
    const info = fake.roomInfo(room.roomId)!;
    const { event, eventId } = buildPdu(
      { roomVersion: '12', roomId: room.roomId, sender: stub.alice, type: 'm.room.message', content: { body: 'from alice' }, prevEvents: info.tips, authEvents: [], depth: 99 },
      { serverName: stub.serverName, key: stub.key },
    );
    const waiting = fake.waitForPdu((p) => p.eventId === eventId, { timeoutMs: 5000 });
    const res = await stub.sendToFake(fake, 'txn-a', { origin: stub.serverName, origin_server_ts: Date.now(), pdus: [event], edus: [] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ pdus: { [eventId]: {} } });
    expect((await waiting).origin).toBe(stub.serverName);
    expect(fake.roomInfo(room.roomId)!.tips).toEqual([eventId]);
    const next = fake.createEvent(room.roomId, { type: 'm.room.message', sender: fake.userId('bob12'), content: {} });
    expect(next.event.prev_events).toEqual([eventId]);
    expect(next.event.depth).toBe(100);
    const self = { destination: fake.serverName, baseUrl: fake.baseUrl };
    expect(await fake.federationRequest('GET', `/_matrix/federation/v1/event/${encodeURIComponent(eventId)}`, undefined, self)).toMatchObject({ status: 200, body: { pdus: [event] } });
    const ids = await fake.federationRequest('GET', `/_matrix/federation/v1/state_ids/${encodeURIComponent(room.roomId)}?event_id=${encodeURIComponent(eventId)}`, undefined, self);
    expect(ids.status).toBe(200);
    expect((ids.body as { pdu_ids: string[] }).pdu_ids).toHaveLength(5);
  });
});

describe('join failures are typed', () => {
  const stub = new StubResident();
  let fake: FakeHomeserver;

  beforeAll(async () => {
    stub.addRoom('10');
    stub.addRoom('12');
    await stub.start();
    fake = await FakeHomeserver.start({ target: { serverName: stub.serverName, baseUrl: stub.baseUrl } });
  });
  afterAll(async () => {
    await fake?.stop();
    await stub.close();
  });

  it('M_INCOMPATIBLE_ROOM_VERSION becomes UnsupportedRoomVersionError with the version and the answer', async () => {
    const room = [...stub.rooms.values()].find((r) => r.version === '12')!;
    const err = await fake.joinRoom(room.roomId, fake.userId('carol'), { roomVersions: ['10', '11'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedRoomVersionError);
    const e = err as UnsupportedRoomVersionError;
    expect(e.roomVersion).toBe('12');
    expect(e.offered).toEqual(['10', '11']);
    expect(e.answer).toMatchObject({ status: 400, body: { errcode: 'M_INCOMPATIBLE_ROOM_VERSION', room_version: '12' } });
    expect(e.message).toMatch(/room version 12, which this fake homeserver does not implement \(it offered 10, 11\)/);
  });

  it('a template for a version not offered is UnsupportedRoomVersionError too', async () => {
    stub.ignoreVer = true;
    try {
      const room = [...stub.rooms.values()].find((r) => r.version === '10')!;
      const err = await fake.joinRoom(room.roomId, fake.userId('dave'), { roomVersions: ['11'] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsupportedRoomVersionError);
      expect((err as UnsupportedRoomVersionError).roomVersion).toBe('10');
    } finally {
      stub.ignoreVer = false;
    }
  });

  it('other failures are JoinError, not UnsupportedRoomVersionError', async () => {
    const err = await fake.joinRoom('!missing:stub.test', fake.userId('erin')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JoinError);
    expect(err).not.toBeInstanceOf(UnsupportedRoomVersionError);
    expect(err).toMatchObject({ step: 'make_join', answer: { status: 404 } });
  });

  it('an unreachable target is a JoinError that says the request did not complete', async () => {
    const lost = await FakeHomeserver.start({ target: { serverName: 'gone.test', baseUrl: 'http://127.0.0.1:9' }, requestTimeoutMs: 2000 });
    try {
      const err = await lost.joinRoom('!r:gone.test', lost.userId('f')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JoinError);
      expect((err as Error).message).toMatch(/make_join .* the request did not complete/);
    } finally {
      await lost.stop();
    }
  });
});
