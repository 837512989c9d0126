// How the federation probe's run becomes evidence: a receipt EDU that arrived means the target
// federates receipts; one that never came within the deadline is the evidence later waits use;
// anything else (the join failed, an error) decides nothing.
import { describe, it, expect, vi, beforeEach } from 'vitest';
import type { ScenarioOutcome } from '../src/runner/run-scenario.ts';

const outcome: { next?: ScenarioOutcome } = {};
vi.mock('../src/runner/run-scenario.ts', () => ({ runScenario: async () => outcome.next }));
const { probeFederationPush, FEDERATION_PROBE } = await import('../src/runner/federation-probe.ts');

const edu = (status: 'pass' | 'fail') => ({ where: 'step 5 edus_until until', check: 'edu_receipt {"user":"alice","event":"hello"}', rules: ['R-FED-09'], level: 'MUST' as const, role: 'assert' as const, status, message: '' });
const deps = { api: {} as never, registrar: {} as never, settings: { runPrefix: 'rc', syncTimeoutMs: 1, pollMs: 1, ruleLevels: new Map() } };

describe('probeFederationPush', () => {
  beforeEach(() => {
    outcome.next = undefined;
  });

  it('is a built-in scenario the loader would accept: federation, one remote, an EDU wait', () => {
    expect(FEDERATION_PROBE.needs).toEqual(['federation']);
    expect(FEDERATION_PROBE.steps.map((s) => Object.keys(s)[0])).toEqual(['create_room', 'remote_join', 'send', 'receipt', 'edus_until']);
  });

  it('an EDU that arrived: the target federates receipts', async () => {
    outcome.next = { status: 'pass', message: '', checks: [edu('pass')], durationMs: 420, httpWaitMs: 0 };
    expect((await probeFederationPush(deps)).push).toEqual({ pushed: true, ms: 420 });
  });

  it('no EDU by the deadline: evidence for the outbound waits', async () => {
    outcome.next = { status: 'fail', message: '', checks: [edu('fail')], durationMs: 10_500, httpWaitMs: 0, deadlineWaitMs: 10_000 };
    const r = await probeFederationPush(deps);
    expect(r.push).toMatchObject({ pushed: false, evidence: expect.stringMatching(/in 10 s the target sent the fake server no m\.receipt EDU/) });
  });

  it('a failed setup or an error decides nothing', async () => {
    outcome.next = { status: 'error', message: 'remote_join: the target refused the join', checks: [], durationMs: 100, httpWaitMs: 0 };
    const r = await probeFederationPush(deps);
    expect(r.push).toBeUndefined();
    expect(r.note).toMatch(/could not be judged \(error: remote_join: the target refused the join\)/);
    // An EDU that came but broke the check (a mismatch) is not absence either.
    outcome.next = { status: 'fail', message: '', checks: [edu('fail')], durationMs: 300, httpWaitMs: 0 };
    expect((await probeFederationPush(deps)).push).toBeUndefined();
  });
});
