import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { FakeHomeserver } from '../../src/federation/fake-server.ts';
import { probeFederation } from '../../src/federation/probe.ts';

// The "target" is another fake server: it checks X-Matrix on PUT /send by fetching the origin's key
// document, the way a homeserver does.
describe('probeFederation', () => {
  let target: FakeHomeserver;
  let silent: http.Server;
  let silentUrl = '';

  beforeAll(async () => {
    target = await FakeHomeserver.start({ target: { serverName: 'unused.test', baseUrl: 'http://127.0.0.1:9' } });
    silent = http.createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await target?.stop();
    silent.closeAllConnections();
    await new Promise((r) => silent.close(r));
  });

  it('is ok once the target fetched the fake key', async () => {
    const before = target.received.requests.length;
    const r = await probeFederation({ target: { serverName: target.serverName, baseUrl: target.baseUrl }, deadlineMs: 5000 });
    expect(r).toMatchObject({ ok: true, serverName: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    // The probe is done when the key request arrives; the target answers the /send just after.
    const put = await target.waitForRequest((q) => q.method === 'PUT' && q.path.startsWith('/_matrix/federation/v1/send/'), { since: before, timeoutMs: 5000 });
    expect(put).toMatchObject({ status: 200, origin: (r as { serverName: string }).serverName });
  });

  it('names --federation-bind and --federation-name when the target cannot fetch the key', async () => {
    // 127.0.0.2 is loopback but nothing listens there: the fake is bound to 127.0.0.1 only.
    const r = await probeFederation({ target: { serverName: target.serverName, baseUrl: target.baseUrl }, advertisedHost: '127.0.0.2', deadlineMs: 5000 });
    expect(r.ok).toBe(false);
    const reason = (r as { reason: string }).reason;
    expect(reason).toMatch(/answered 401 .*M_UNAUTHORIZED/);
    expect(reason).toMatch(/127\.0\.0\.2:\d+ \(listening on 127\.0\.0\.1:\d+\)/);
    expect(reason).toMatch(/--federation-bind/);
    expect(reason).toMatch(/--federation-name/);
  });

  it('names --federation-url when the target federation API does not answer at all', async () => {
    const r = await probeFederation({ target: { serverName: 'hs.test', baseUrl: 'http://127.0.0.1:9' }, deadlineMs: 5000 });
    expect(r.ok).toBe(false);
    expect((r as { reason: string }).reason).toMatch(/at http:\/\/127\.0\.0\.1:9 failed \(.*ECONNREFUSED.*\).*--federation-url/);
  });

  it('ends at its deadline when the target never answers', async () => {
    const t0 = performance.now();
    const r = await probeFederation({ target: { serverName: 'hs.test', baseUrl: silentUrl }, deadlineMs: 300 });
    expect(r.ok).toBe(false);
    expect((r as { reason: string }).reason).toMatch(/did not answer within 300 ms|timed out after 300 ms/);
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});
