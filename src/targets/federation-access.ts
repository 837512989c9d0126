// How the scenarios' fake federation servers reach the target, and whether they can: the target's
// server name (learnt from a user ID it issues), its federation endpoint (discovery, or
// --federation-url), where the fakes listen, and a probe that proves the target fetched a fake's keys.
import { MatrixApi } from '../client/matrix.ts';
import { loadUsersFile, makeRegistrar } from '../client/register.ts';
import { discoverFederation, DiscoveryError } from '../federation/discovery.ts';
import { probeFederation } from '../federation/probe.ts';
import type { TargetHandle } from './target.ts';
import type { CapabilityState } from './capabilities.ts';

export interface FederationOptions {
  /** The target's federation base URL, instead of discovery. */
  federationUrl?: string;
  /** Where the fakes listen (default 127.0.0.1). */
  bindHost?: string;
  /** The host part of the fakes' server names, as the target reaches them (default: the bind host). */
  advertisedHost?: string;
  pathVersion: 'v3' | 'r0';
  log: (line: string) => void;
}

/** What every scenario's fake needs to talk to the target. */
export interface FederationAccess {
  serverName: string;
  baseUrl: string;
  hostHeader?: string;
  bindHost?: string;
  advertisedHost?: string;
}

/** The server name from a user ID the target issues: users-file users, else a fresh registration. */
async function learnServerName(t: TargetHandle, pathVersion: 'v3' | 'r0', runPrefix: string): Promise<string> {
  if (t.serverName) return t.serverName;
  const reg = t.registration;
  const userId = reg.mode === 'users-file' ? loadUsersFile(reg.file)[0]?.user_id : (await makeRegistrar(new MatrixApi({ baseUrl: t.baseUrl, pathVersion }), reg).register(`${runPrefix}_probe`)).userId;
  if (!userId) throw new Error('the users file names no user');
  return userId.slice(userId.indexOf(':') + 1);
}

export async function prepareFederation(t: TargetHandle, opts: FederationOptions, runPrefix: string): Promise<{ state: CapabilityState; access?: FederationAccess }> {
  let serverName: string;
  try {
    serverName = await learnServerName(t, opts.pathVersion, runPrefix);
  } catch (err) {
    return { state: { ok: false, reason: `the target's server name could not be learnt from a user ID: ${(err as Error).message}` } };
  }
  // A local target serves federation on its one loopback listener; discovery is for real deployments.
  const override = opts.federationUrl ?? (t.kind === 'url' ? undefined : t.baseUrl);
  let endpoint: { baseUrl: string; hostHeader?: string };
  try {
    const found = await discoverFederation({ serverName, ...(override ? { overrideUrl: override } : {}), log: opts.log });
    endpoint = { baseUrl: found.baseUrl, ...(found.via === 'srv' || found.via === 'well-known' ? { hostHeader: found.hostHeader } : {}) };
    if (t.kind === 'url') opts.log(`federation: ${serverName} is served at ${found.baseUrl} (${found.via}; ${found.steps.join('; ')})`);
  } catch (err) {
    const why = err instanceof DiscoveryError ? err.message : String(err);
    return { state: { ok: false, reason: `the federation endpoint of ${serverName} was not found: ${why}; pass --federation-url` } };
  }
  const access: FederationAccess = { serverName, ...endpoint, ...(opts.bindHost ? { bindHost: opts.bindHost } : {}), ...(opts.advertisedHost ? { advertisedHost: opts.advertisedHost } : {}) };
  const probe = await probeFederation({ target: { serverName, baseUrl: access.baseUrl, ...(access.hostHeader ? { hostHeader: access.hostHeader } : {}) }, ...(access.bindHost ? { bindHost: access.bindHost } : {}), ...(access.advertisedHost ? { advertisedHost: access.advertisedHost } : {}) });
  if (!probe.ok) return { state: { ok: false, reason: probe.reason } };
  opts.log(`federation: the target fetched the fake server's keys in ${probe.ms} ms`);
  return { state: { ok: true }, access };
}
