// The kinds added for coverage of what servers get wrong: the slow-remote steps (against real fake
// servers: one plays the target, one the suite's remote), the EDU window check edu_latest and the
// leak check no_other_receipts.
import { afterEach, describe, it, expect } from 'vitest';
import { ScenarioContext } from '../src/runner/context.ts';
import { runStep } from '../src/runner/steps/index.ts';
import { buildReceiptEdu, FakeHomeserver } from '../src/federation/fake-server.ts';
import { MatrixApi } from '../src/client/matrix.ts';
import type { Scenario } from '../src/scenario/types.ts';
import { evalWindow, receiptEdu, receiptEv, syncWith, txn, ROOM, NOW } from './support/checks.ts';

function makeCtx(api: MatrixApi = {} as never): ScenarioContext {
  const scenario: Scenario = {
    id: 'fed.test.coverage', title: 'coverage kinds', rules: ['R-FED-09'], level: 'MUST', spec: { since: 'r0.1.0' }, tags: [], needs: ['federation', 'guest'], users: ['alice', 'guest'], guests: [], remote_users: [],
    steps: [], file: 'coverage.yaml', area: 'test', stepLines: [],
  };
  const ctx = new ScenarioContext(scenario, api, {} as never, { runPrefix: 'rc', syncTimeoutMs: 2000, pollMs: 100, serverName: 'hs.test', ruleLevels: new Map() });
  ctx.rooms.set('room', ROOM);
  return ctx;
}

const read = (user: string, event: string, thread?: string) => receiptEdu(ROOM, 'm.read', user, [event], thread ? { ts: NOW, thread_id: thread } : { ts: NOW });

describe('edu_latest', () => {
  const check = { edu_latest: { receipts: [{ user: 'alice', event: 'e2' }, { user: 'bob', event: 'e2', thread: 'root' }] } };

  it('judges the last receipt of each slot, in arrival order across transactions and EDUs', () => {
    expect(evalWindow(check, [txn(read('@alice:hs', '$e1'), read('@bob:hs', '$e2', '$root')), txn(read('@alice:hs', '$e2'))]).state).toBe('match');
    // alice's slot moved back to e1 in a later transaction: stale.
    const stale = evalWindow(check, [txn(read('@alice:hs', '$e2'), read('@bob:hs', '$e2', '$root')), txn(read('@alice:hs', '$e1'))]);
    expect(stale).toMatchObject({ state: 'mismatch', message: expect.stringMatching(/@alice:hs m\.read unthreaded: last sent on \["\$e1"\], expected \$e2/) });
  });

  it('counts a threaded and an unthreaded receipt as two slots, and a missing one as lost', () => {
    const lost = evalWindow(check, [txn(read('@alice:hs', '$e2'), read('@bob:hs', '$e2'))]);
    expect(lost).toMatchObject({ state: 'mismatch', message: expect.stringMatching(/@bob:hs m\.read thread:\$root: never sent \(lost\)/) });
  });

  it('ignores other rooms and refuses an entry naming two events', () => {
    const other = receiptEdu('!other:hs', 'm.read', '@alice:hs', ['$e2']);
    expect(evalWindow({ edu_latest: { receipts: [{ user: 'alice', event: 'e2' }] } }, [txn(other)]).state).toBe('mismatch');
    expect(evalWindow({ edu_latest: { receipts: [{ user: 'alice', event: 'e2' }] } }, [txn(receiptEdu(ROOM, 'm.read', '@alice:hs', ['$e2', '$e3']))]).state).toBe('mismatch');
  });
});

describe('no_other_receipts', () => {
  const check = { no_other_receipts: { except: [{ user: 'ok', event: 'e1' }] } };

  it('names every receipt outside the list, whatever its user, event or type', () => {
    const leak = syncWith([receiptEv({ $e1: { 'm.read': { '@ok:hs': { ts: NOW }, 'not-a-user-id': { ts: NOW } } }, $e2: { 'org.example.x': { '@mal:hs': {} } } })]);
    const o = evalWindow(check, [syncWith([]), leak]);
    expect(o).toMatchObject({ state: 'mismatch', message: expect.stringMatching(/^2 other receipt\(s\) reached the client: m\.read by not-a-user-id on \$e1; org\.example\.x by @mal:hs on \$e2$/) });
  });

  it('holds when nothing arrived at all', () => {
    expect(evalWindow(check, []).state).toBe('match');
  });
});

describe('hold_remote and answer_remote', () => {
  const started: FakeHomeserver[] = [];
  afterEach(async () => {
    for (const f of started.splice(0)) await f.stop();
  });

  async function pair(): Promise<{ ctx: ScenarioContext; target: FakeHomeserver }> {
    // `suite` is the scenario's fake remote; `target` plays the homeserver that sends it transactions.
    const suite = await FakeHomeserver.start({ target: { serverName: 'nowhere.invalid', baseUrl: 'http://127.0.0.1:9' } });
    const target = await FakeHomeserver.start({ target: { serverName: suite.serverName, baseUrl: suite.baseUrl } });
    started.push(target, suite);
    const ctx = makeCtx();
    ctx.fed.fake = suite;
    return { ctx, target };
  }

  it('holds the answer until answer_remote, which records the held transaction', async () => {
    const { ctx, target } = await pair();
    await runStep(ctx, { hold_remote: { max_ms: 5000 } }, { where: 'hold' });
    let answered = false;
    const sending = target.sendTransaction({ edus: [buildReceiptEdu(ROOM, '@alice:hs', ['$e1'])] }).then((r) => ((answered = true), r));
    await runStep(ctx, { edus_until: { until: [{ edu_receipt: { user: '@alice:hs', event: '$e1' } }], window: [{ edu_latest: { receipts: [{ user: '@alice:hs', event: '$e1' }] } }] } }, { where: 'wait' });
    expect(answered).toBe(false);
    await runStep(ctx, { answer_remote: {} }, { where: 'answer' });
    expect((await sending).status).toBe(200);
    expect(ctx.checks.map((c) => [c.where, c.status])).toEqual([
      ['wait until', 'pass'],
      ['wait window', 'pass'],
      ['answer', 'pass'],
    ]);
    expect(ctx.blocked).toBeUndefined();
  });

  it('blocks the scenario when nothing was held: the target never had to queue', async () => {
    const { ctx } = await pair();
    await runStep(ctx, { hold_remote: {} }, { where: 'hold' });
    await runStep(ctx, { answer_remote: {} }, { where: 'answer' });
    expect(ctx.blocked).toMatchObject({ role: 'precondition', message: expect.stringMatching(/no transaction carrying a receipt was held/) });
  });

  it('blocks the scenario when the hold ran out before answer_remote', async () => {
    const { ctx, target } = await pair();
    await runStep(ctx, { hold_remote: { max_ms: 1000 } }, { where: 'hold' });
    await target.sendTransaction({ edus: [buildReceiptEdu(ROOM, '@alice:hs', ['$e1'])] });
    await runStep(ctx, { answer_remote: {} }, { where: 'answer' });
    expect(ctx.blocked).toMatchObject({ message: expect.stringMatching(/went out at the hold deadline/) });
  });
});
