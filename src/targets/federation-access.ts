// How the scenarios' fake federation servers reach the target, and whether they can: the target's
// server name (learnt from a user ID it issues), its federation endpoint (discovery, or
// --federation-url), where the fakes listen, and a probe that proves the target fetched a fake's keys.
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

/** `serverName` is the target's own, learnt from a user ID it issued (the registration probe's). */
export async function prepareFederation(t: TargetHandle, opts: FederationOptions, serverName: string): Promise<{ state: CapabilityState; access?: FederationAccess }> {
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
