// appservice_until end to end inside the suite: a real receiver, the observer long-poll, the stream
// and the wait engine. No homeserver: the test pushes transactions itself, as one would.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { httpRequest } from '../../src/client/http.ts';
import { AppServiceReceiver, OBSERVE_PATH } from '../../src/appservice/receiver.ts';
import { ScenarioContext } from '../../src/runner/context.ts';
import { runStep } from '../../src/runner/steps/index.ts';
import type { Scenario } from '../../src/scenario/types.ts';
import type { AppServiceAccess } from '../../src/appservice/access.ts';

const HS = 'hs-token-stream-test';
const ROOM = '!room:hs.test';
const OTHER = '!other:hs.test';
const ALICE = '@alice:hs.test';
const ev = (room: string | undefined, type: string, user = ALICE, event = '$hello', data: object = { ts: Date.now() }) => ({
  type: 'm.receipt',
  ...(room ? { room_id: room } : {}),
  content: { [event]: { [type]: { [user]: data } } },
});

let rx: AppServiceReceiver;
let txn = 0;
const push = (ephemeral: object[], key = 'ephemeral') =>
  httpRequest({ method: 'PUT', url: `${rx.url}/_matrix/app/v1/transactions/${++txn}`, headers: { authorization: `Bearer ${HS}` }, json: { events: [], [key]: ephemeral } });

function makeCtx(extra: Partial<AppServiceAccess> = {}): ScenarioContext {
  const scenario: Scenario = {
    id: 'as.test.stub', title: 'stub', rules: ['R-AS-02'], level: 'MUST', spec: { since: 'v1.13' }, tags: [], needs: ['appservice'], users: ['alice'], guests: [], remote_users: [],
    steps: [], file: 'stub.yaml', area: 'test', stepLines: [],
  };
  const ctx = new ScenarioContext(scenario, {} as never, {} as never, {
    runPrefix: 'rc', syncTimeoutMs: 3_000, pollMs: 100, serverName: 'hs.test',
    ruleLevels: new Map([['R-AS-01', 'MUST'], ['R-AS-02', 'MUST']]),
    appservice: { id: 'x', asToken: 'as-token-stream-test', userPrefix: '_rcas_', senderLocalpart: 'bot', observerUrl: `${rx.url}${OBSERVE_PATH}`, observerToken: 'obs-token-stream-test', ...extra },
  });
  ctx.users.set('alice', { userId: ALICE } as never);
  ctx.rooms.set('room', ROOM);
  ctx.events.set('hello', '$hello');
  ctx.events.set('later', '$later');
  return ctx;
}

const until = (ctx: ScenarioContext, args: Record<string, unknown>) => runStep(ctx, { appservice_until: args }, { where: 'step 1 appservice_until' });
const broken = (ctx: ScenarioContext) => ctx.checks.filter((c) => c.status !== 'pass');

beforeEach(async () => {
  rx = await AppServiceReceiver.start({ hsToken: HS, observerToken: 'obs-token-stream-test' });
});
afterEach(async () => {
  await rx.stop();
});

describe('appservice_until', () => {
  it('passes on the sentinel, fails a throughout check that sees a private receipt, and ignores other rooms', async () => {
    const ctx = makeCtx();
    await push([ev(OTHER, 'm.read.private')]);
    await push([ev(ROOM, 'm.read.private')]);
    const wait = until(ctx, {
      until: [{ as_receipt: { user: 'alice', event: 'later', rules: ['R-AS-01'] } }],
      throughout: [{ no_as_receipt: { user: 'alice', type: 'm.read.private' } }],
    });
    // The sentinel arrives while the wait holds the observer's long-poll.
    setTimeout(() => void push([ev(ROOM, 'm.read', ALICE, '$later')]), 50);
    await wait;
    const failed = broken(ctx);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ check: 'no_as_receipt {"user":"alice","type":"m.read.private"}', role: 'assert', status: 'fail' });
    expect(failed[0]!.message).toMatch(/AS transaction #1/);
  });

  it('records a receipt without room_id or under the unstable key as an R-AS-01 failure', async () => {
    const ctx = makeCtx();
    await push([ev(undefined, 'm.read')], 'de.sorunome.msc2409.ephemeral');
    await until(ctx, { until: [{ as_receipt: { user: 'alice', event: 'hello' } }], timeout_ms: 1_000 });
    ctx.finishAuto();
    const failed = broken(ctx).map((c) => `${c.check} ${c.rules.join(',')}`);
    expect(failed).toContain('as_receipt {"user":"alice","event":"hello"} R-AS-02');
    expect(failed).toContain('m.receipt in AS transactions: client-server format plus room_id R-AS-01');
    expect(failed).toContain("AS transactions carry ephemeral data under the spec's `ephemeral` key R-AS-01");
  });

  it('keeps its position: a later wait does not see what an earlier one read', async () => {
    const ctx = makeCtx();
    await push([ev(ROOM, 'm.read.private')]);
    await push([ev(ROOM, 'm.read', ALICE, '$later')]);
    await until(ctx, { until: [{ as_receipt: { user: 'alice', event: 'hello', type: 'm.read.private' } }] });
    expect(ctx.positions.appservice).toBe(1);
    await until(ctx, { until: [{ as_receipt: { user: 'alice', event: 'later' } }], throughout: [{ no_as_receipt: { type: 'm.read.private' } }] });
    expect(broken(ctx)).toEqual([]);
    expect(ctx.positions.appservice).toBe(2);
  });

  it("judges an awaited receipt at once when the run's probe found that no receipt is ever pushed, and still waits for events", async () => {
    const ctx = makeCtx({ receiptPush: { pushed: false, evidence: 'no m.receipt for the probe in 10 s' } });
    ctx.events.set('e', '$e');
    setTimeout(() => void httpRequest({ method: 'PUT', url: `${rx.url}/_matrix/app/v1/transactions/${++txn}`, headers: { authorization: `Bearer ${HS}` }, json: { events: [{ event_id: '$e', room_id: ROOM, type: 'm.room.message' }] } }), 50);
    const started = performance.now();
    await until(ctx, { until: [{ as_event: { event: 'e' } }, { as_receipt: { user: 'alice', event: 'hello' } }], timeout_ms: 10_000 });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(ctx.deadlineWaitMs).toBe(0);
    const failed = broken(ctx);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.check).toMatch(/^as_receipt/);
    expect(failed[0]!.message).toMatch(/not awaited: the run's probe found .*no m\.receipt for the probe in 10 s/);
    expect(ctx.checks.find((c) => c.check.startsWith('as_event'))?.status).toBe('pass');
  });
});
