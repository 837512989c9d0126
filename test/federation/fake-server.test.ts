import tls from 'node:tls';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { buildReceiptEdu, FakeHomeserver } from '../../src/federation/fake-server.ts';
import { requestJson } from '../../src/federation/http.ts';
import { buildXMatrixAuthorization, checkServerKeyDocument } from '../../src/federation/xmatrix.ts';
import { canonicalJson } from '../../src/federation/canonical-json.ts';

// Two fake servers: `hs` plays the homeserver under test (it serves keys and receives transactions),
// `remote` targets it. `hs` reaches `remote`'s key document through the loopback IP-literal resolution.
describe('FakeHomeserver', () => {
  let hs: FakeHomeserver;
  let remote: FakeHomeserver;
  const logs: string[] = [];

  beforeAll(async () => {
    hs = await FakeHomeserver.start({ target: { serverName: 'nowhere.invalid', baseUrl: 'http://127.0.0.1:9' }, log: (l) => logs.push(`hs: ${l}`) });
    remote = await FakeHomeserver.start({ target: { serverName: hs.serverName, baseUrl: hs.baseUrl }, log: (l) => logs.push(`remote: ${l}`) });
  });
  afterAll(async () => {
    await remote?.stop();
    await hs?.stop();
  });

  const signedHeaders = (method: string, path: string, content: unknown, opts: { destination?: string } = {}) => ({
    Authorization: buildXMatrixAuthorization(
      { method, uri: path, origin: remote.serverName, destination: opts.destination ?? hs.serverName, ...(content === undefined ? {} : { content }) },
      remote.signingKey,
    ),
  });

  it('binds a fresh 127.0.0.1 port per instance and names users after it', () => {
    expect(hs.serverName).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(remote.serverName).not.toBe(hs.serverName);
    expect(remote.userId('bob')).toBe(`@bob:${remote.serverName}`);
  });

  it('serves a signed key document valid for 24 h', async () => {
    for (const path of ['/_matrix/key/v2/server', `/_matrix/key/v2/server/${encodeURIComponent(hs.signingKey.keyId)}`]) {
      const res = await requestJson({ method: 'GET', baseUrl: hs.baseUrl, path });
      expect(res.status).toBe(200);
      const keys = checkServerKeyDocument(res.body, hs.serverName);
      expect(keys.get(hs.signingKey.keyId)).toEqual(hs.signingKey.publicKey);
      expect((res.body as { valid_until_ts: number }).valid_until_ts).toBeGreaterThan(Date.now() + 23 * 3600 * 1000);
    }
  });

  it('records EDUs from a signed /send and answers 200 with a pdus object (sign → verify round trip)', async () => {
    const since = hs.received.edus.length;
    const waiting = hs.waitForEdu((e) => e.edu_type === 'm.receipt', { timeoutMs: 5000, since });
    const edu = buildReceiptEdu('!room:hs', remote.userId('bob'), ['$ev'], { ts: 1234, threadId: 'main' });
    const res = await remote.sendTransaction({ edus: [edu, { edu_type: 'm.typing', content: { room_id: '!room:hs', user_id: remote.userId('bob'), typing: true } }] });
    expect(res).toEqual({ status: 200, body: { pdus: {} } });
    const got = await waiting;
    expect(got).toMatchObject({ edu_type: 'm.receipt', origin: remote.serverName, content: edu.content });
    expect(got.txnId).toMatch(/\S/);
    expect(hs.received.edus.slice(since).map((e) => e.edu_type)).toEqual(['m.receipt', 'm.typing']);
    // A later waiter with `since` past the receipt does not see it again.
    await expect(hs.waitForEdu((e) => e.edu_type === 'm.receipt', { timeoutMs: 50, since: hs.received.edus.length })).rejects.toThrow(
      /timed out after 50 ms waiting for a matching EDU .* 0 EDU\(s\) received/,
    );
  });

  it('records PDUs for unknown rooms without an event ID and still answers 200', async () => {
    const waiting = hs.waitForPdu((p) => p.event.type === 'm.room.message', { timeoutMs: 5000 });
    const res = await remote.sendTransaction({ pdus: [{ type: 'm.room.message', room_id: '!unknown:x', sender: remote.userId('bob'), content: {} }] });
    expect(res.status).toBe(200);
    const p = await waiting;
    expect(p).toMatchObject({ eventId: undefined, roomId: '!unknown:x', origin: remote.serverName });
  });

  it('does not record a repeated transaction ID twice', async () => {
    const txnId = `dup-${Date.now()}`;
    const before = hs.received.edus.length;
    const edus = [{ edu_type: 'm.receipt', content: {} }];
    expect((await remote.sendTransaction({ edus, txnId })).status).toBe(200);
    expect((await remote.sendTransaction({ edus, txnId })).status).toBe(200);
    expect(hs.received.edus.length).toBe(before + 1);
  });

  it('rejects tampered, misaddressed and unsigned requests with 401 JSON', async () => {
    const path = `/_matrix/federation/v1/send/tamper-${Date.now()}`;
    const signedBody = { origin: remote.serverName, origin_server_ts: 1, pdus: [], edus: [] };
    const tampered = { ...signedBody, edus: [{ edu_type: 'm.receipt', content: {} }] };
    const before = hs.received.edus.length;
    const r1 = await requestJson({ method: 'PUT', baseUrl: hs.baseUrl, path, headers: signedHeaders('PUT', path, signedBody), body: canonicalJson(tampered) });
    expect(r1.status).toBe(401);
    expect(r1.body).toMatchObject({ errcode: 'M_UNAUTHORIZED' });
    const r2 = await requestJson({ method: 'PUT', baseUrl: hs.baseUrl, path, headers: signedHeaders('PUT', path, signedBody, { destination: 'other.test' }), body: signedBody });
    expect(r2.status).toBe(401);
    const r3 = await requestJson({ method: 'GET', baseUrl: hs.baseUrl, path: '/_matrix/federation/v1/version' });
    expect(r3.status).toBe(401);
    expect(r3.body).toMatchObject({ errcode: 'M_UNAUTHORIZED', error: expect.stringMatching(/missing Authorization/) });
    const r4 = await requestJson({ method: 'GET', baseUrl: hs.baseUrl, path: '/_matrix/federation/v1/version', headers: { Authorization: 'X-Matrix garbage' } });
    expect(r4.status).toBe(401);
    expect(hs.received.edus.length).toBe(before);
  });

  it('fetches keys only from the target and loopback servers, never from another origin a request names', async () => {
    const path = '/_matrix/federation/v1/version';
    const auth = buildXMatrixAuthorization({ method: 'GET', uri: path, origin: '192.0.2.1:8448', destination: hs.serverName }, remote.signingKey);
    const r = await requestJson({ method: 'GET', baseUrl: hs.baseUrl, path, headers: { Authorization: auth } });
    expect(r).toMatchObject({ status: 401, body: { errcode: 'M_UNAUTHORIZED', error: expect.stringMatching(/don't know how to reach 192\.0\.2\.1:8448/) } });
  });

  it('answers the read-only federation endpoints', async () => {
    const get = (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') => remote.federationRequest(method, path, body);
    expect(await get('/_matrix/federation/v1/version')).toEqual({ status: 200, body: { server: { name: 'receipts-conformance-fake', version: expect.any(String) } } });
    const user = encodeURIComponent(hs.userId('alice'));
    expect(await get(`/_matrix/federation/v1/user/devices/${user}`)).toEqual({ status: 200, body: { user_id: hs.userId('alice'), stream_id: 0, devices: [] } });
    expect(await get(`/_matrix/federation/v1/query/profile?user_id=${user}`)).toEqual({ status: 200, body: {} });
    expect(await get('/_matrix/federation/v1/user/keys/query', { device_keys: { [hs.userId('alice')]: [] } })).toEqual({ status: 200, body: { device_keys: {} } });
    expect(await get('/_matrix/federation/v1/event/%24nope')).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
    expect(await get('/_matrix/federation/v1/state_ids/%21nope%3Ax?event_id=%24e')).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
    expect(await get('/_matrix/federation/v1/state/%21nope%3Ax?event_id=%24e')).toMatchObject({ status: 404 });
    expect(await get('/_matrix/federation/v1/get_missing_events/%21r%3Ax', { earliest_events: [], latest_events: [], limit: 10 })).toEqual({ status: 200, body: { events: [] } });
    expect(await get('/_matrix/federation/v1/backfill/%21r%3Ax?v=%24e&limit=10')).toMatchObject({ status: 200, body: { origin: hs.serverName, pdus: [] } });
  });

  it('answers unknown paths with 404 M_UNRECOGNIZED and bad bodies with 400, never 5xx', async () => {
    expect(await remote.federationRequest('GET', '/_matrix/federation/v1/no_such_thing')).toMatchObject({ status: 404, body: { errcode: 'M_UNRECOGNIZED' } });
    expect(await requestJson({ method: 'GET', baseUrl: hs.baseUrl, path: '/nope' })).toMatchObject({ status: 404, body: { errcode: 'M_UNRECOGNIZED' } });
    expect(await requestJson({ method: 'DELETE', baseUrl: hs.baseUrl, path: '/_matrix/key/v2/server' })).toMatchObject({ status: 404 });
    const path = '/_matrix/federation/v1/send/badjson';
    expect(await requestJson({ method: 'PUT', baseUrl: hs.baseUrl, path, headers: signedHeaders('PUT', path, undefined), body: '{not json' })).toMatchObject({
      status: 400,
      body: { errcode: 'M_NOT_JSON' },
    });
    expect(await remote.federationRequest('PUT', '/_matrix/federation/v1/send/arr', { pdus: 'x' })).toMatchObject({ status: 400, body: { errcode: 'M_BAD_JSON' } });
    expect(await remote.federationRequest('PUT', '/_matrix/federation/v1/send/many', { pdus: [], edus: Array.from({ length: 101 }, () => ({})) })).toMatchObject({ status: 400 });
    expect(hs.received.requests.length).toBeGreaterThan(10);
    expect(hs.received.requests.filter((r) => r.status >= 500)).toEqual([]);
  });

  it('rejects pending waiters when stopped', async () => {
    const extra = await FakeHomeserver.start({ target: { serverName: hs.serverName, baseUrl: hs.baseUrl } });
    const pending = extra.waitForEdu(() => true, { timeoutMs: 10_000 });
    await extra.stop();
    await expect(pending).rejects.toThrow(/stopped/);
  });
});

function peerCertFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('FakeHomeserver listener options', () => {
  const target = { serverName: 'nowhere.invalid', baseUrl: 'http://127.0.0.1:9' };

  it('shares one certificate per process, with a fresh port, server name and key per instance', async () => {
    const fakes = await Promise.all([1, 2, 3].map(() => FakeHomeserver.start({ target })));
    try {
      expect(new Set(fakes.map((f) => f.port)).size).toBe(3);
      expect(new Set(fakes.map((f) => f.serverName)).size).toBe(3);
      expect(new Set(fakes.map((f) => f.signingKey.keyId)).size).toBe(3);
      expect(new Set(fakes.map((f) => f.signingKey.publicKeyBase64)).size).toBe(3);
      const prints = await Promise.all(fakes.map((f) => peerCertFingerprint(f.port)));
      expect(new Set(prints).size).toBe(1);
    } finally {
      await Promise.all(fakes.map((f) => f.stop()));
    }
  });

  it('names itself after advertisedHost and listens on bindHost (loopback here)', async () => {
    const named = await FakeHomeserver.start({ target, bindHost: '127.0.0.1', advertisedHost: 'localhost' });
    const v6 = await FakeHomeserver.start({ target, advertisedHost: '::1' });
    try {
      expect(named.bindHost).toBe('127.0.0.1');
      expect(named.serverName).toBe(`localhost:${named.port}`);
      expect(named.userId('bob')).toBe(`@bob:localhost:${named.port}`);
      expect(named.baseUrl).toBe(`https://localhost:${named.port}`);
      expect(v6.serverName).toBe(`[::1]:${v6.port}`);
      expect(v6.bindHost).toBe('127.0.0.1');
      const res = await requestJson({ method: 'GET', baseUrl: `https://127.0.0.1:${named.port}`, path: '/_matrix/key/v2/server' });
      expect(checkServerKeyDocument(res.body, `localhost:${named.port}`).get(named.signingKey.keyId)).toEqual(named.signingKey.publicKey);
    } finally {
      await named.stop();
      await v6.stop();
    }
  });
});
