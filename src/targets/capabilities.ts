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

async function federation(t: TargetHandle): Promise<CapabilityState> {
  // Local targets listen on loopback, where the fake federation server is.
  if (t.kind !== 'url') return { ok: true };
  try {
    const res = await httpRequest({ method: 'GET', url: `${t.baseUrl}/_matrix/key/v2/server`, timeoutMs: PROBE_TIMEOUT_MS });
    const name = (res.json as { server_name?: unknown } | undefined)?.server_name;
    if (res.status === 200 && typeof name === 'string') return { ok: true };
    return { ok: false, reason: `${t.baseUrl} does not serve the federation API (GET /_matrix/key/v2/server answered ${res.status})` };
  } catch (err) {
    return { ok: false, reason: `${t.baseUrl}/_matrix/key/v2/server did not answer: ${(err as Error).message}` };
  }
}

async function guest(t: TargetHandle): Promise<CapabilityState> {
  try {
    const res = await httpRequest({ method: 'POST', url: `${t.baseUrl}/_matrix/client/v3/register?kind=guest`, json: {}, timeoutMs: PROBE_TIMEOUT_MS });
    if (res.status === 200) return { ok: true };
    return { ok: false, reason: `guest registration is refused (${res.status} ${String((res.json as { errcode?: unknown } | undefined)?.errcode ?? '')})`.trim() };
  } catch (err) {
    return { ok: false, reason: `guest registration did not answer: ${(err as Error).message}` };
  }
}

const PROBES: Record<Capability, (t: TargetHandle) => Promise<CapabilityState>> = {
  federation,
  guest,
  admin: async (t) => (t.registration.mode === 'shared-secret' ? { ok: true } : { ok: false, reason: 'no shared secret: the admin API cannot be used' }),
  appservice: async () => ({ ok: false, reason: 'the target does not register the suite as an application service' }),
};

/** Probes only what the selected scenarios need. */
export async function probeCapabilities(t: TargetHandle, needed: ReadonlySet<Capability>): Promise<Capabilities> {
  const out: Capabilities = {};
  await Promise.all([...needed].map(async (c) => (out[c] = t.capabilities?.[c] ?? (await PROBES[c](t)))));
  return out;
}
