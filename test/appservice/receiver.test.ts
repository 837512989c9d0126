// The suite's application-service receiver: the hs_token check, answers that never make a
// homeserver back off, de-duplication by txnId, bounded bodies and logs, and the observer's
// event-driven long-poll that routes transactions to scenarios by room.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { parse } from 'yaml';
import { httpRequest } from '../../src/client/http.ts';
import { AppServiceReceiver, OBSERVE_PATH } from '../../src/appservice/receiver.ts';
import { TxnLog } from '../../src/appservice/txn-log.ts';
import { newRegistration, renderRegistration, AS_USER_PREFIX } from '../../src/appservice/registration.ts';
import { observe } from '../../src/appservice/observer-client.ts';
import { validator } from '../../src/scenario/schema.ts';
import type { AppServiceAccess } from '../../src/appservice/access.ts';

const HS = 'hs-token-for-tests';
const OBS = 'observer-token-for-tests';
const ROOM = '!room:hs';
const OTHER = '!other:hs';
const receipt = (roomId: string | undefined, user = '@alice:hs', event = '$e1', type = 'm.read') => ({
  type: 'm.receipt',
  ...(roomId ? { room_id: roomId } : {}),
  content: { [event]: { [type]: { [user]: { ts: 1 } } } },
});

let rx: AppServiceReceiver;
let access: AppServiceAccess;

async function put(txnId: string, body: unknown, opts: { token?: string | null; query?: string; raw?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? HS}`;
  return httpRequest({ method: 'PUT', url: `${rx.url}/_matrix/app/v1/transactions/${txnId}${opts.query ?? ''}`, headers, ...(opts.raw !== undefined ? { raw: opts.raw } : { json: body }), timeoutMs: 5_000 });
}

beforeEach(async () => {
  rx = await AppServiceReceiver.start({ hsToken: HS, observerToken: OBS, maxBodyBytes: 4096, limits: { pageSize: 2 } });
  access = { id: 'x', asToken: 'as', userPrefix: AS_USER_PREFIX, senderLocalpart: 'bot', observerUrl: `${rx.url}${OBSERVE_PATH}`, observerToken: OBS };
});
afterEach(async () => {
  await rx.stop();
});

describe('registration', () => {
  it('asks for receive_ephemeral and an exclusive users namespace, in the spec format', () => {
    const r = newRegistration('http://127.0.0.1:1234');
    const doc = parse(renderRegistration(r));
    expect(doc).toMatchObject({ id: r.id, url: 'http://127.0.0.1:1234', as_token: r.asToken, hs_token: r.hsToken, sender_localpart: r.senderLocalpart, receive_ephemeral: true });
    expect(doc.namespaces.users).toEqual([{ exclusive: true, regex: `@${AS_USER_PREFIX}.*` }]);
    expect(doc).not.toHaveProperty('de.sorunome.msc2409.push_ephemeral');
    // The sender is outside the namespace, so "users matching a namespace" means the scenario's AS users only.
    expect(new RegExp(`^${doc.namespaces.users[0].regex}`).test(`@${r.senderLocalpart}:hs`)).toBe(false);
    expect(r.asToken).not.toBe(newRegistration('').asToken);
  });
});

describe('transactions', () => {
  it('answers 200 {} with the hs_token in the header and records the ephemeral list', async () => {
    const res = await put('1', { events: [], ephemeral: [receipt(ROOM)] });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({});
    const page = rx.log.read(0, { rooms: new Set([ROOM]), events: new Set() });
    expect(page.transactions).toHaveLength(1);
    expect(page.transactions[0]).toMatchObject({ txnId: '1', ephemeralKey: 'ephemeral', hasEvents: true, auth: 'header', ephemeral: [receipt(ROOM)] });
  });

  it('refuses a missing or wrong hs_token with 403 M_FORBIDDEN, and accepts the legacy query parameter', async () => {
    for (const opts of [{ token: null }, { token: 'wrong' }, { query: '?access_token=wrong' }]) {
      const res = await put('2', { events: [] }, opts);
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ errcode: 'M_FORBIDDEN' });
    }
    const legacy = await put('3', { events: [] }, { token: null, query: `?access_token=${HS}` });
    expect(legacy.status).toBe(200);
    expect(rx.stats.unauthorised).toBe(3);
    expect(rx.log.size).toBe(1);
  });

  it('keeps the first body of a repeated txnId and notes a repeat that differs', async () => {
    await put('7', { events: [], ephemeral: [receipt(ROOM)] });
    await put('7', { events: [], ephemeral: [receipt(ROOM)] });
    expect((await put('7', { events: [], ephemeral: [] })).status).toBe(200);
    const [t] = rx.log.read(0, { rooms: new Set([ROOM]), events: new Set() }).transactions;
    expect(rx.log.size).toBe(1);
    expect(t).toMatchObject({ repeats: 2, alteredOnRepeat: true, ephemeral: [receipt(ROOM)] });
  });

  it('reads the MSC2409 unstable key when the stable one is absent', async () => {
    await put('8', { events: [], 'de.sorunome.msc2409.ephemeral': [receipt(ROOM)] });
    expect(rx.log.read(0, { rooms: new Set([ROOM]), events: new Set() }).transactions[0]).toMatchObject({ ephemeralKey: 'de.sorunome.msc2409.ephemeral' });
  });

  it('never answers 5xx: bad JSON and oversized bodies get a 4xx, other endpoints answer sensibly', async () => {
    expect((await put('9', undefined, { raw: '{not json' })).json).toMatchObject({ errcode: 'M_NOT_JSON' });
    expect((await put('10', undefined, { raw: JSON.stringify({ events: [], pad: 'x'.repeat(5000) }) })).status).toBe(413);
    const auth = { authorization: `Bearer ${HS}` };
    const ping = await httpRequest({ method: 'POST', url: `${rx.url}/_matrix/app/v1/ping`, headers: auth, json: { transaction_id: 't' } });
    expect([ping.status, ping.json]).toEqual([200, {}]);
    const user = await httpRequest({ method: 'GET', url: `${rx.url}/_matrix/app/v1/users/${encodeURIComponent('@x:hs')}`, headers: auth });
    expect([user.status, (user.json as { errcode: string }).errcode]).toEqual([404, 'M_NOT_FOUND']);
    const unknown = await httpRequest({ method: 'GET', url: `${rx.url}/_matrix/app/v1/nothing`, headers: auth });
    expect([unknown.status, (unknown.json as { errcode: string }).errcode]).toEqual([404, 'M_UNRECOGNIZED']);
    const method = await httpRequest({ method: 'GET', url: `${rx.url}/_matrix/app/v1/transactions/1`, headers: auth });
    expect(method.status).toBe(405);
    expect(rx.log.size).toBe(0);
  });
});

describe('observer', () => {
  it('refuses a wrong observer token', async () => {
    await expect(observe({ ...access, observerToken: 'nope' }, { since: 0, rooms: [ROOM], events: [], timeout_ms: 0 })).rejects.toThrow(/403/);
  });

  it('returns only the parts of transactions about the given rooms, a page at a time', async () => {
    await put('1', { events: [{ event_id: '$x', room_id: OTHER, type: 'm.room.message' }], ephemeral: [receipt(OTHER)] });
    await put('2', { events: [], ephemeral: [receipt(OTHER), receipt(ROOM)] });
    await put('3', { events: [{ event_id: '$y', room_id: ROOM, type: 'm.room.message' }] });
    await put('4', { events: [], ephemeral: [receipt(ROOM, '@bob:hs')] });
    const first = await observe(access, { since: 0, rooms: [ROOM], events: [], timeout_ms: 0 });
    expect(first.transactions.map((t) => t.txnId)).toEqual(['2', '3']);
    expect(first.transactions[0]!.ephemeral).toEqual([receipt(ROOM)]);
    const second = await observe(access, { since: first.next, rooms: [ROOM], events: [], timeout_ms: 0 });
    expect(second.transactions.map((t) => t.txnId)).toEqual(['4']);
    expect(second.next).toBe(4);
  });

  it('routes an m.receipt without room_id by the event IDs it names', async () => {
    await put('1', { events: [], ephemeral: [receipt(undefined, '@a:hs', '$mine'), receipt(undefined, '@a:hs', '$theirs')] });
    const page = await observe(access, { since: 0, rooms: [ROOM], events: ['$mine'], timeout_ms: 0 });
    expect(page.transactions[0]!.ephemeral).toEqual([receipt(undefined, '@a:hs', '$mine')]);
  });

  it('holds the request until a transaction for the rooms arrives (no polling), or answers empty at its timeout', async () => {
    const started = performance.now();
    const pending = observe(access, { since: 0, rooms: [ROOM], events: [], timeout_ms: 20_000 });
    await put('1', { events: [], ephemeral: [receipt(OTHER)] });
    await put('2', { events: [], ephemeral: [receipt(ROOM)] });
    const page = await pending;
    expect(page.transactions.map((t) => t.txnId)).toEqual(['2']);
    expect(performance.now() - started).toBeLessThan(5_000);
    const empty = await observe(access, { since: page.next, rooms: [ROOM], events: [], timeout_ms: 200 });
    expect(empty).toMatchObject({ transactions: [], next: 2 });
  });

  it('ends a held request at once when the receiver stops', async () => {
    const started = performance.now();
    const pending = observe(access, { since: 0, rooms: [ROOM], events: [], timeout_ms: 20_000 }).then(
      (reply) => reply.transactions.length,
      () => 'cut',
    );
    await put('1', { events: [], ephemeral: [receipt(OTHER)] });
    await rx.stop();
    expect([0, 'cut']).toContain(await pending);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('log bounds', () => {
  it('drops the oldest transactions past its cap and tells a reader that fell behind', () => {
    const log = new TxnLog({ maxTxns: 2, maxBytes: 1e9, pageSize: 10 });
    const sel = { rooms: new Set([ROOM]), events: new Set<string>() };
    for (const id of ['a', 'b', 'c']) log.add({ txnId: id, receivedAt: 0, ephemeralKey: 'ephemeral', hasEvents: true, ephemeral: [receipt(ROOM)], events: [], auth: 'header', bytes: 10, digest: id });
    expect(log.size).toBe(2);
    const page = log.read(0, sel);
    expect(page.dropped).toBe(1);
    expect(page.transactions.map((t) => t.txnId)).toEqual(['b', 'c']);
  });
});

describe('AS m.receipt format (the stream checks every one)', () => {
  it('requires the top-level room_id on top of the client-server m.receipt shape', () => {
    const v = validator('m.receipt-as');
    expect(v(receipt(ROOM))).toBe(true);
    expect(v(receipt(undefined))).toBe(false);
    expect(v({ ...receipt(ROOM), content: { $e1: { 'm.read': { '@a:hs': { ts: 'soon' } } } } })).toBe(false);
  });
});
