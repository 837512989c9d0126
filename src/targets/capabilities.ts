// What a target offers beyond the client-server API, found by a probe at start. A scenario whose
// need is missing is skipped with the reason, which the run prints once.
import { httpRequest } from '../client/http.ts';
import type { Capability } from '../scenario/types.ts';
import type { TargetHandle } from './target.ts';

export interface CapabilityState {
  ok: boolean;
  reason?: string;
}

export type Capabilities = Partial<Record<Capability, CapabilityState>>;

const PROBE_TIMEOUT_MS = 10_000;

async function guest(t: TargetHandle, pathVersion: 'v3' | 'r0'): Promise<CapabilityState> {
  try {
    const res = await httpRequest({ method: 'POST', url: `${t.baseUrl}/_matrix/client/${pathVersion}/register?kind=guest`, json: {}, timeoutMs: PROBE_TIMEOUT_MS });
    if (res.status === 200) return { ok: true };
    const errcode = (res.json as { errcode?: unknown } | undefined)?.errcode;
    return { ok: false, reason: `guest registration is refused (${res.status}${typeof errcode === 'string' && errcode ? ` ${errcode}` : ''})` };
  } catch (err) {
    return { ok: false, reason: `guest registration did not answer: ${(err as Error).message}` };
  }
}

const PROBES: Record<Exclude<Capability, 'federation'>, (t: TargetHandle, pathVersion: 'v3' | 'r0') => Promise<CapabilityState>> = {
  guest,
  admin: async (t) => (t.registration.mode === 'shared-secret' ? { ok: true } : { ok: false, reason: 'no shared secret: the admin API cannot be used' }),
  // A registration lives in the homeserver's own config files, read at start: only a target the
  // suite starts itself (synapse, dendrite) can add one, and those declare the capability.
  appservice: async () => ({ ok: false, reason: "the suite's application service is registered only in the homeservers it starts itself (synapse, dendrite)" }),
};

/**
 * Probes only what the selected scenarios need. Federation is probed by prepareFederation (it also
 * finds how to reach the target) and passed in.
 */
export async function probeCapabilities(t: TargetHandle, needed: ReadonlySet<Capability>, federation?: CapabilityState, pathVersion: 'v3' | 'r0' = t.pathVersion ?? 'v3'): Promise<Capabilities> {
  const out: Capabilities = {};
  await Promise.all(
    [...needed].map(async (c) => {
      out[c] = c === 'federation' ? federation ?? { ok: false, reason: 'not probed' } : t.capabilities?.[c] ?? (await PROBES[c](t, pathVersion));
    }),
  );
  return out;
}
