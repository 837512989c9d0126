// Whether the target sends receipt EDUs at all, learnt once per run before the scenarios, through
// the engine itself: alice, in a public room a fresh fake server has joined, posts m.read on her
// message, and the fake waits for the EDU. A server that never federates receipts (palpo 0.0.2)
// would otherwise make every outbound scenario wait out its deadline; with this evidence those
// waits end at once (see receipt-push.ts).
import type { Scenario } from '../scenario/types.ts';
import type { ReceiptPush } from './receipt-push.ts';
import { runScenario, type RunDeps } from './run-scenario.ts';

/** Far longer than a server that federates receipts takes (Synapse, Dendrite: well under a second). */
export const FEDERATION_PROBE_MS = 10_000;

export const FEDERATION_PROBE: Scenario = {
  id: 'probe.federation.receipt-push',
  title: 'The target sends a receipt EDU for a local m.read',
  rules: ['R-FED-09'],
  level: 'MUST',
  spec: { since: 'r0.0.0' },
  tags: [],
  needs: ['federation'],
  users: ['alice'],
  guests: [],
  remote_users: ['probe'],
  steps: [
    { create_room: { as: 'alice', preset: 'public_chat' } },
    { remote_join: { user: 'probe' } },
    { send: { as: 'alice', event: 'hello' } },
    { receipt: { as: 'alice', event: 'hello' } },
    { edus_until: { until: [{ edu_receipt: { user: 'alice', event: 'hello' } }], timeout_ms: FEDERATION_PROBE_MS } },
  ],
  file: '(built in: src/runner/federation-probe.ts)',
  area: 'probe',
  stepLines: [],
};

/**
 * Runs the probe. Undefined when it could not be judged (the room, the join or the receipt
 * failed): the scenarios then wait as they would without it.
 */
export async function probeFederationPush(deps: RunDeps): Promise<{ push?: ReceiptPush; note: string }> {
  const outcome = await runScenario(FEDERATION_PROBE, { ...deps, settings: { ...deps.settings, federationReceiptPush: undefined } });
  const awaited = outcome.checks.find((c) => c.check.startsWith('edu_receipt'));
  if (outcome.status === 'pass' && awaited?.status === 'pass') return { push: { pushed: true, ms: outcome.durationMs }, note: `the target federated a probe receipt (${outcome.durationMs} ms in all)` };
  if (outcome.status === 'fail' && awaited?.status === 'fail' && (outcome.deadlineWaitMs ?? 0) > 0) {
    const evidence = `before the scenarios, a local user posted m.read on her message in a public room the suite's fake server had joined, and in ${FEDERATION_PROBE_MS / 1000} s the target sent the fake server no m.receipt EDU for it`;
    return { push: { pushed: false, evidence }, note: evidence };
  }
  return { note: `the federation probe could not be judged (${outcome.status}: ${outcome.message}); outbound scenarios wait for EDUs up to their deadlines` };
}
