// Where a server's federation API is: the spec's server-name resolution ("Server-Server API → Server
// discovery → Resolving server names"), bounded by one deadline and a cap on the .well-known body.
//
//   1. IP literal → that IP, the given port or 8448.        2. hostname:port → that host and port.
//   3. GET https://<hostname>/.well-known/matrix/server → m.server = <delegated>[:<port>]:
//      3.1 IP literal, 3.2 with a port → use it; 3.3/3.4 SRV _matrix-fed._tcp / _matrix._tcp on the delegated
//      name; 3.5 delegated:8448.
//   4./5. SRV _matrix-fed._tcp / _matrix._tcp on the hostname.   6. hostname:8448.
// SRV look-ups are done with node:dns when enabled (`srv`), and otherwise skipped with a note in `steps`.
// Among SRV records the lowest priority and then the highest weight wins (no weighted random choice).

import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { requestJson } from './http.ts';

export interface SrvTarget {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

export interface DiscoveryOptions {
  /** The target's server name, e.g. `example.org`, `example.org:8448`, `1.2.3.4`, `[::1]:8448`. */
  serverName: string;
  /** A federation base URL that replaces discovery (the CLI's `--federation-url`). */
  overrideUrl?: string;
  /** Deadline for the whole discovery, in ms (default 15 s). */
  deadlineMs?: number;
  /** Deadline of one request or look-up, in ms (default 5 s), so that a silent host leaves time for the next step. */
  stepTimeoutMs?: number;
  /** Cap on the .well-known body, in bytes (default 64 KiB). */
  maxBodyBytes?: number;
  /** SRV look-up; `false` skips SRV (default: node:dns). */
  srv?: false | ((name: string, timeoutMs: number) => Promise<SrvTarget[]>);
  /**
   * Where to connect for an HTTPS request to `host:port` (default: there). Tests map names to loopback
   * listeners with it; the `Host` header and TLS name stay the original ones.
   */
  connectTo?: (host: string, port: number) => { host: string; port: number };
  log?: (line: string) => void;
}

export interface DiscoveryResult {
  /** Base URL of the federation API, e.g. `https://matrix.example.org:8448`. */
  baseUrl: string;
  /** The `Host` header (and TLS name) requests must carry. */
  hostHeader: string;
  /** Which rule decided. */
  via: 'override' | 'ip-literal' | 'explicit-port' | 'well-known' | 'srv' | 'default-port';
  /** What was tried, in order, for reports and error messages. */
  steps: string[];
}

export class DiscoveryError extends Error {
  constructor(
    message: string,
    readonly steps: string[],
  ) {
    super(`${message} (tried: ${steps.join('; ') || 'nothing'})`);
    this.name = 'DiscoveryError';
  }
}

export const DEFAULT_FEDERATION_PORT = 8448;
const WELL_KNOWN_PATH = '/.well-known/matrix/server';
const MAX_REDIRECTS = 5;

interface ParsedName {
  host: string;
  port: number | undefined;
  ip: boolean;
}

const DNS_NAME_RE = /^[A-Za-z0-9.-]{1,255}$/;

/** Splits a server name (grammar of Appendices → Server Name) into host and port; undefined if invalid. */
export function parseServerName(name: string): ParsedName | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(name);
  if (!m) return undefined;
  const host = m[1]!;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  const bare = host.replace(/^\[|\]$/g, '');
  if (host.startsWith('[')) return isIP(bare) === 6 ? { host, port, ip: true } : undefined;
  if (isIP(host) === 4) return { host, port, ip: true };
  return DNS_NAME_RE.test(host) ? { host, port, ip: false } : undefined;
}

const withPort = (host: string, port: number | undefined): string => (port === undefined ? host : `${host}:${port}`);

/**
 * Steps 1 and 2, which need no network: the base URL of an IP literal or a name with an explicit port, else
 * undefined. Also used to reach other servers' key documents.
 */
export function directBaseUrl(serverName: string): string | undefined {
  const p = parseServerName(serverName);
  if (!p || (!p.ip && p.port === undefined)) return undefined;
  return `https://${withPort(p.host, p.port ?? DEFAULT_FEDERATION_PORT)}`;
}

class Deadline {
  private readonly end: number;
  constructor(
    ms: number,
    private readonly stepMs: number,
  ) {
    this.end = performance.now() + ms;
  }
  /** Time for the next step: what is left, at most one step's worth. */
  remaining(what: string, steps: string[]): number {
    const left = Math.floor(this.end - performance.now());
    if (left <= 0) throw new DiscoveryError(`server discovery ran out of time before ${what}`, steps);
    return Math.min(left, this.stepMs);
  }
}

interface Run {
  opts: DiscoveryOptions;
  deadline: Deadline;
  steps: string[];
}

function result(run: Run, via: DiscoveryResult['via'], connectHost: string, port: number, hostHeader: string): DiscoveryResult {
  run.opts.log?.(`federation discovery: ${via} → https://${connectHost}:${port} (Host: ${hostHeader})`);
  return { baseUrl: `https://${withPort(connectHost, port)}`, hostHeader, via, steps: run.steps };
}

/** Settles like `p`, or rejects once `ms` have passed (a DNS look-up has no deadline of its own). */
async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function defaultSrv(name: string, timeoutMs: number): Promise<SrvTarget[]> {
  const resolver = new dns.Resolver({ timeout: timeoutMs, tries: 1 });
  return withTimeout(resolver.resolveSrv(name), timeoutMs, () => resolver.cancel());
}

function bestSrv(records: SrvTarget[]): SrvTarget | undefined {
  // A single "." target means "no service here" (RFC 2782).
  const usable = records.filter((r) => r.name !== '' && r.name !== '.');
  return usable.sort((a, b) => a.priority - b.priority || b.weight - a.weight)[0];
}

/** Steps 3.3/3.4 and 4/5: `_matrix-fed._tcp` then the deprecated `_matrix._tcp`. */
async function trySrv(run: Run, hostname: string): Promise<DiscoveryResult | undefined> {
  if (run.opts.srv === false) {
    run.steps.push(`SRV for ${hostname} skipped (disabled)`);
    return undefined;
  }
  const lookup = run.opts.srv ?? defaultSrv;
  for (const prefix of ['_matrix-fed._tcp', '_matrix._tcp']) {
    const name = `${prefix}.${hostname}`;
    try {
      const ms = run.deadline.remaining(`SRV ${name}`, run.steps);
      const best = bestSrv(await withTimeout(lookup(name, ms), ms));
      if (best) {
        run.steps.push(`SRV ${name} → ${best.name}:${best.port}`);
        return result(run, 'srv', best.name.replace(/\.$/, ''), best.port, hostname);
      }
      run.steps.push(`SRV ${name}: no usable record`);
    } catch (e) {
      if (e instanceof DiscoveryError) throw e;
      run.steps.push(`SRV ${name}: ${(e as Error).message}`);
    }
  }
  return undefined;
}

function connectUrl(run: Run, url: URL): string {
  const port = Number(url.port || 443);
  const to = run.opts.connectTo?.(url.hostname, port) ?? { host: url.hostname, port };
  const host = isIP(to.host) === 6 ? `[${to.host}]` : to.host;
  return `https://${host}:${to.port}`;
}

/** GET the .well-known document, following up to 5 redirects without loops. Returns m.server or a reason. */
async function fetchWellKnown(run: Run, hostname: string): Promise<{ server?: string; reason?: string }> {
  let url = new URL(`https://${hostname}${WELL_KNOWN_PATH}`);
  const seen = new Set<string>();
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (seen.has(url.href)) return { reason: `redirect loop at ${url.href}` };
    seen.add(url.href);
    const timeoutMs = run.deadline.remaining(`GET ${url.href}`, run.steps);
    let res;
    try {
      res = await requestJson({ method: 'GET', baseUrl: connectUrl(run, url), path: url.pathname + url.search, headers: { Host: url.host }, timeoutMs, maxBodyBytes: run.opts.maxBodyBytes ?? 64 * 1024 });
    } catch (e) {
      return { reason: `GET ${url.href} failed: ${(e as Error).message}` };
    }
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && typeof location === 'string') {
      url = new URL(location, url);
      if (url.protocol !== 'https:') return { reason: `redirected to a non-HTTPS URL ${url.href}` };
      continue;
    }
    if (res.status !== 200) return { reason: `GET ${url.href} answered ${res.status}` };
    // The body is JSON whatever its Content-Type says (spec: getWellKnown).
    const body = typeof res.body === 'string' ? undefined : (res.body as { 'm.server'?: unknown } | undefined);
    const server = body?.['m.server'];
    return typeof server === 'string' ? { server } : { reason: `GET ${url.href}: no m.server string in the answer` };
  }
  return { reason: `more than ${MAX_REDIRECTS} redirects from https://${hostname}${WELL_KNOWN_PATH}` };
}

/** Step 3: a valid delegation decides (3.1–3.5); undefined lets discovery go on with step 4. */
async function tryWellKnown(run: Run, hostname: string): Promise<DiscoveryResult | undefined> {
  const got = await fetchWellKnown(run, hostname);
  const delegated = got.server === undefined ? undefined : parseServerName(got.server);
  if (!delegated) {
    run.steps.push(got.reason ?? `.well-known of ${hostname}: m.server ${JSON.stringify(got.server)} is not a server name`);
    return undefined;
  }
  run.steps.push(`.well-known of ${hostname} delegates to ${got.server}`);
  if (delegated.ip || delegated.port !== undefined) {
    return result(run, 'well-known', delegated.host, delegated.port ?? DEFAULT_FEDERATION_PORT, got.server!);
  }
  const srv = await trySrv(run, delegated.host);
  if (srv) return srv;
  run.steps.push(`default port: ${delegated.host}:${DEFAULT_FEDERATION_PORT}`);
  return result(run, 'well-known', delegated.host, DEFAULT_FEDERATION_PORT, delegated.host);
}

function fromOverride(run: Run, overrideUrl: string): DiscoveryResult {
  let url: URL;
  try {
    url = new URL(overrideUrl);
  } catch {
    throw new DiscoveryError(`the federation URL ${JSON.stringify(overrideUrl)} is not a URL`, run.steps);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DiscoveryError(`the federation URL ${overrideUrl} must be http(s)`, run.steps);
  run.steps.push(`override ${url.origin}`);
  return { baseUrl: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, hostHeader: url.host, via: 'override', steps: run.steps };
}

/** Resolves the base URL of `serverName`'s federation API (or takes the override as it is). */
export async function discoverFederation(opts: DiscoveryOptions): Promise<DiscoveryResult> {
  const run: Run = { opts, deadline: new Deadline(opts.deadlineMs ?? 15_000, opts.stepTimeoutMs ?? 5_000), steps: [] };
  if (opts.overrideUrl !== undefined) return fromOverride(run, opts.overrideUrl);
  const name = parseServerName(opts.serverName);
  if (!name) throw new DiscoveryError(`${JSON.stringify(opts.serverName)} is not a valid server name`, run.steps);
  if (name.ip) {
    run.steps.push(`IP literal ${opts.serverName}`);
    return result(run, 'ip-literal', name.host, name.port ?? DEFAULT_FEDERATION_PORT, opts.serverName);
  }
  if (name.port !== undefined) {
    run.steps.push(`explicit port ${opts.serverName}`);
    return result(run, 'explicit-port', name.host, name.port, opts.serverName);
  }
  const found = (await tryWellKnown(run, name.host)) ?? (await trySrv(run, name.host));
  if (found) return found;
  run.steps.push(`default port: ${name.host}:${DEFAULT_FEDERATION_PORT}`);
  return result(run, 'default-port', name.host, DEFAULT_FEDERATION_PORT, name.host);
}
