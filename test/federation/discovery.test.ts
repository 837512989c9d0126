import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { directBaseUrl, discoverFederation, DiscoveryError, parseServerName, type DiscoveryOptions, type SrvTarget } from '../../src/federation/discovery.ts';
import { getTlsMaterial } from '../../src/federation/tls.ts';

/** A loopback HTTPS server standing in for every `https://<name>` the tests look up; it answers by Host. */
class WellKnownHost {
  server!: https.Server;
  port = 0;
  readonly seen: { host: string | undefined; path: string }[] = [];
  /** Host → handler result: [status, body, headers]. */
  readonly routes = new Map<string, (path: string) => [number, string, Record<string, string>?] | 'hang'>();

  async start(): Promise<void> {
    const tls = await getTlsMaterial();
    this.server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      this.seen.push({ host: req.headers.host, path: req.url! });
      const route = this.routes.get(req.headers.host ?? '');
      const out = route ? route(req.url!) : ([404, '{}'] as [number, string]);
      if (out === 'hang') return; // never answers: the caller's deadline must end it
      res.writeHead(out[0], { 'Content-Type': 'application/json', ...(out[2] ?? {}) }).end(out[1]);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Every HTTPS connection goes to this listener, whatever the name. */
  connectTo = (): { host: string; port: number } => ({ host: '127.0.0.1', port: this.port });
}

describe('server names', () => {
  it('parse per the grammar', () => {
    expect(parseServerName('example.org')).toEqual({ host: 'example.org', port: undefined, ip: false });
    expect(parseServerName('example.org:8448')).toEqual({ host: 'example.org', port: 8448, ip: false });
    expect(parseServerName('1.2.3.4:80')).toEqual({ host: '1.2.3.4', port: 80, ip: true });
    expect(parseServerName('[1234:5678::abcd]:5678')).toEqual({ host: '[1234:5678::abcd]', port: 5678, ip: true });
    for (const bad of ['', 'a:b', 'ex ample.org', '[nope]:1', 'example.org:0', 'example.org:70000', '::1']) expect(parseServerName(bad)).toBeUndefined();
  });

  it('need no network for IP literals and explicit ports', () => {
    expect(directBaseUrl('127.0.0.1:8448')).toBe('https://127.0.0.1:8448');
    expect(directBaseUrl('[::1]')).toBe('https://[::1]:8448');
    expect(directBaseUrl('hs.example:1234')).toBe('https://hs.example:1234');
    expect(directBaseUrl('hs.example')).toBeUndefined();
  });
});

describe('discoverFederation', () => {
  const host = new WellKnownHost();
  const srvCalls: string[] = [];
  const srvRecords = new Map<string, SrvTarget[]>();
  const srv = async (name: string): Promise<SrvTarget[]> => {
    srvCalls.push(name);
    const r = srvRecords.get(name);
    if (!r) throw Object.assign(new Error(`querySrv ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return r;
  };
  const discover = (serverName: string, extra: Partial<DiscoveryOptions> = {}) => discoverFederation({ serverName, srv, connectTo: host.connectTo, deadlineMs: 5000, ...extra });

  beforeAll(() => host.start());
  afterAll(() => new Promise<void>((r) => host.server.close(() => r())));

  it('takes an override as it is', async () => {
    const r = await discover('hs.rc.test', { overrideUrl: 'http://127.0.0.1:8008/' });
    expect(r).toMatchObject({ baseUrl: 'http://127.0.0.1:8008', hostHeader: '127.0.0.1:8008', via: 'override' });
    await expect(discover('x', { overrideUrl: 'ftp://x' })).rejects.toThrow(DiscoveryError);
  });

  it('1: IP literals, with the given port or 8448, Host = the server name', async () => {
    expect(await discover('10.1.2.3')).toMatchObject({ baseUrl: 'https://10.1.2.3:8448', hostHeader: '10.1.2.3', via: 'ip-literal' });
    expect(await discover('[::1]:8008')).toMatchObject({ baseUrl: 'https://[::1]:8008', hostHeader: '[::1]:8008', via: 'ip-literal' });
  });

  it('2: an explicit port skips .well-known and SRV', async () => {
    const before = host.seen.length;
    expect(await discover('hs.example:1234')).toMatchObject({ baseUrl: 'https://hs.example:1234', hostHeader: 'hs.example:1234', via: 'explicit-port' });
    expect(host.seen.length).toBe(before);
  });

  it('3.2: .well-known delegating to a name with a port; the request carries the Host header of the name', async () => {
    host.routes.set('wk-port.test', () => [200, '{"m.server":"fed.wk-port.test:4443"}']);
    const r = await discover('wk-port.test');
    expect(r).toMatchObject({ baseUrl: 'https://fed.wk-port.test:4443', hostHeader: 'fed.wk-port.test:4443', via: 'well-known' });
    expect(host.seen.at(-1)).toEqual({ host: 'wk-port.test', path: '/.well-known/matrix/server' });
  });

  it('3.1: .well-known delegating to an IP literal', async () => {
    host.routes.set('wk-ip.test', () => [200, '{"m.server":"192.0.2.7"}', { 'Content-Type': 'text/plain' }]);
    expect(await discover('wk-ip.test')).toMatchObject({ baseUrl: 'https://192.0.2.7:8448', hostHeader: '192.0.2.7', via: 'well-known' });
  });

  it('3.3: a delegated name without port goes through SRV; 3.5: else port 8448', async () => {
    host.routes.set('wk-srv.test', () => [200, '{"m.server":"deleg.test"}']);
    srvRecords.set('_matrix-fed._tcp.deleg.test', [
      { name: 'backup.deleg.test', port: 9000, priority: 20, weight: 0 },
      { name: 'main.deleg.test.', port: 8999, priority: 10, weight: 5 },
    ]);
    expect(await discover('wk-srv.test')).toMatchObject({ baseUrl: 'https://main.deleg.test:8999', hostHeader: 'deleg.test', via: 'srv' });
    host.routes.set('wk-nosrv.test', () => [200, '{"m.server":"plain.test"}']);
    const r = await discover('wk-nosrv.test');
    expect(r).toMatchObject({ baseUrl: 'https://plain.test:8448', hostHeader: 'plain.test', via: 'well-known' });
    expect(srvCalls).toContain('_matrix._tcp.plain.test'); // the deprecated record is tried too
  });

  it('follows redirects, and falls through on a loop, a 404, bad JSON or a bad m.server', async () => {
    host.routes.set('redir.test', (p) => (p === '/.well-known/matrix/server' ? [302, '', { Location: '/elsewhere' }] : [200, '{"m.server":"r.test:1"}']));
    expect(await discover('redir.test')).toMatchObject({ baseUrl: 'https://r.test:1' });
    host.routes.set('loop.test', () => [301, '', { Location: 'https://loop.test/.well-known/matrix/server' }]);
    for (const [name, why] of [['loop.test', /redirect loop/], ['missing.test', /answered 404/]] as const) {
      const r = await discover(name);
      expect(r).toMatchObject({ baseUrl: `https://${name}:8448`, via: 'default-port' });
      expect(r.steps.join(' | ')).toMatch(why);
    }
    host.routes.set('badjson.test', () => [200, 'not json']);
    host.routes.set('badname.test', () => [200, '{"m.server":"bad name!"}']);
    expect((await discover('badjson.test')).steps.join(' | ')).toMatch(/no m.server string/);
    expect((await discover('badname.test')).steps.join(' | ')).toMatch(/is not a server name/);
  });

  it('4: SRV on the original name when .well-known fails; SRV may be switched off (and says so)', async () => {
    srvRecords.set('_matrix-fed._tcp.srv-only.test', [{ name: 'fed.srv-only.test', port: 8500, priority: 0, weight: 0 }]);
    expect(await discover('srv-only.test')).toMatchObject({ baseUrl: 'https://fed.srv-only.test:8500', hostHeader: 'srv-only.test', via: 'srv' });
    const off = await discover('srv-only.test', { srv: false });
    expect(off).toMatchObject({ baseUrl: 'https://srv-only.test:8448', via: 'default-port' });
    expect(off.steps).toContain('SRV for srv-only.test skipped (disabled)');
  });

  it('caps the .well-known body and bounds every request', async () => {
    host.routes.set('huge.test', () => [200, JSON.stringify({ 'm.server': 'h.test:1', pad: 'x'.repeat(100_000) })]);
    expect((await discover('huge.test')).steps.join(' | ')).toMatch(/response body exceeds the 64 KiB cap/);
    host.routes.set('silent.test', () => 'hang');
    const t0 = performance.now();
    const r = await discover('silent.test', { stepTimeoutMs: 200, srv: false });
    expect(r.via).toBe('default-port');
    expect(r.steps.join(' | ')).toMatch(/no complete response within 200 ms/);
    expect(performance.now() - t0).toBeLessThan(2000);
    const never = (): Promise<SrvTarget[]> => new Promise(() => {});
    await expect(discover('silent.test', { deadlineMs: 150, stepTimeoutMs: 1000, srv: never })).rejects.toThrow(/ran out of time/);
  });

  it('refuses names that are not server names', async () => {
    await expect(discover('not a name')).rejects.toThrow(/not a valid server name/);
  });
});
