// The federation steps and EDU checks against a stub fake server: every assertion kind must fail on a
// wrong input, and the automatic EDU and /send-answer checks must produce findings.
import { describe, it, expect } from 'vitest';
import { ScenarioContext } from '../src/runner/context.ts';
import { runStep } from '../src/runner/steps/index.ts';
import { receiptEduProblems } from '../src/runner/streams/edus.ts';
import { eduReceipts } from '../src/runner/receipts.ts';
import type { CheckValue } from '../src/runner/kinds.ts';
import type { ReceivedEdu, FakeHomeserver } from '../src/federation/fake-server.ts';
import type { Scenario } from '../src/scenario/types.ts';
import type { Level } from '../src/model.ts';
import { evalCheck } from './support/checks.ts';

const ROOM = '!room:hs.test';
const EV1 = '$one';
const EV2 = '$two';
const ROOT = '$root';
const REMOTE = '127.0.0.1:4444';

class StubFake {
  readonly serverName = REMOTE;
  readonly target = { serverName: 'hs.test', baseUrl: 'http://127.0.0.1:1' };
  readonly received: { edus: ReceivedEdu[] } = { edus: [] };
  sent: { pdus?: object[]; edus?: unknown[]; txnId?: string }[] = [];
  answer: { status: number; body: unknown } = { status: 200, body: { pdus: {} } };
  private waiters: (() => void)[] = [];

  userId(localpart: string): string {
    return `@${localpart}:${REMOTE}`;
  }
  push(content: unknown, txnId = `t${this.received.edus.length}`, edu_type = 'm.receipt'): void {
    this.received.edus.push({ edu_type, content, origin: 'hs.test', txnId, receivedAt: Date.now() });
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  waitForEdu(_pred: unknown, opts: { since?: number; timeoutMs: number }): Promise<ReceivedEdu> {
    const since = opts.since ?? 0;
    if (this.received.edus.length > since) return Promise.resolve(this.received.edus[since]!);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timeout')), opts.timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve(this.received.edus[since]!);
      });
    });
  }
  async sendTransaction(opts: { pdus?: object[]; edus?: unknown[]; txnId?: string }) {
    this.sent.push(opts);
    return this.answer;
  }
}

function makeCtx(level: Level = 'MUST'): { ctx: ScenarioContext; fake: StubFake } {
  const scenario: Scenario = {
    id: 'fed.test.stub', title: 'stub scenario', rules: ['R-FED-09', 'R-FED-10'], level, spec: { since: 'r0.1.0' }, tags: [], needs: ['federation'], users: ['alice'], guests: [], remote_users: ['zed'],
    steps: [], file: 'stub.yaml', area: 'test', stepLines: [],
  };
  const ctx = new ScenarioContext(scenario, {} as never, {} as never, { runPrefix: 'rc', syncTimeoutMs: 200, pollMs: 100, serverName: 'hs.test', ruleLevels: new Map() });
  ctx.users.set('alice', { userId: '@alice:hs.test' } as never);
  ctx.rooms.set('room', ROOM);
  ctx.events.set('one', EV1);
  ctx.events.set('two', EV2);
  ctx.events.set('root', ROOT);
  const fake = new StubFake();
  ctx.fed.fake = fake as unknown as FakeHomeserver;
  return { ctx, fake };
}

const receiptContent = (user: string, eventIds: unknown, data: unknown, type = 'm.read') => ({ [ROOM]: { [type]: { [user]: { event_ids: eventIds, data } } } });
const edu = (content: unknown, edu_type = 'm.receipt'): ReceivedEdu => ({ edu_type, content, origin: 'hs.test', txnId: 't', receivedAt: 0 });
const evalEduCheck = (check: CheckValue, e: ReceivedEdu, ctx: ScenarioContext) => evalCheck(check, { txnId: e.txnId, origin: e.origin, edus: [e] }, ctx);
const broken = (ctx: ScenarioContext) => ctx.checks.filter((c) => c.status !== 'pass' && c.role !== 'record');
const edusUntil = (ctx: ScenarioContext, where: string, args: Record<string, unknown>) => runStep(ctx, { edus_until: args }, { where });
const runFederationStep = (ctx: ScenarioContext, where: string, kind: string, args: Record<string, unknown>) => runStep(ctx, { [kind]: args }, { where });

describe('EDU checks', () => {
  const { ctx } = makeCtx();
  const alice = '@alice:hs.test';
  const now = Date.now();

  it('edu_receipt matches the right receipt, stays pending on another event, user or type, and is final on another thread', () => {
    const e = edu(receiptContent(alice, [EV1], { ts: now, thread_id: ROOT }));
    expect(evalEduCheck({ edu_receipt: { room: 'room', user: 'alice', event: 'one', thread: 'root', ts: 'server' } }, e, ctx).state).toBe('match');
    expect(evalEduCheck({ edu_receipt: { room: 'room', user: 'alice', event: 'two' } }, e, ctx).state).toBe('pending');
    expect(evalEduCheck({ edu_receipt: { room: 'room', user: 'zed', event: 'one' } }, e, ctx).state).toBe('pending');
    expect(evalEduCheck({ edu_receipt: { room: 'room', user: 'alice', event: 'one', type: 'm.read.private' } }, e, ctx).state).toBe('pending');
    expect(evalEduCheck({ edu_receipt: { room: 'room', user: 'alice', event: 'one', thread: null } }, e, ctx).state).toBe('mismatch');
    expect(evalEduCheck({ edu_receipt: { room: 'room', user: 'alice', event: 'one', thread: 'main' } }, e, ctx).state).toBe('mismatch');
    expect(evalEduCheck({ edu_receipt: { room: 'room', user: 'alice', event: 'one' } }, edu(receiptContent(alice, [EV1], { ts: now }), 'm.typing'), ctx).state).toBe('pending');
  });

  it('edu_receipt thread: null requires data without thread_id', () => {
    expect(evalEduCheck({ edu_receipt: { room: 'room', user: 'alice', event: 'one', thread: null } }, edu(receiptContent(alice, [EV1], { ts: now })), ctx).state).toBe('match');
  });

  it('edu_receipt ts fails on a wrong, non-integer or far-off ts', () => {
    const check = (ts: unknown, want: unknown) => evalEduCheck({ edu_receipt: { room: 'room', user: 'alice', event: 'one', ts: want } }, edu(receiptContent(alice, [EV1], { ts })), ctx).state;
    expect(check(5, 5)).toBe('match');
    expect(check(6, 5)).toBe('mismatch');
    expect(check('5', 'server')).toBe('mismatch');
    expect(check(1, 'server')).toBe('mismatch');
    expect(check(now, 'server')).toBe('match');
  });

  it('no_edu_receipt fails when a matching receipt is present, and only then', () => {
    const e = edu(receiptContent(alice, [EV1], { ts: now }));
    expect(evalEduCheck({ no_edu_receipt: { user: 'alice' } }, e, ctx).state).toBe('mismatch');
    expect(evalEduCheck({ no_edu_receipt: { room: 'room', user: 'alice', event: 'one' } }, e, ctx).state).toBe('mismatch');
    expect(evalEduCheck({ no_edu_receipt: { room: 'room', user: 'alice', event: 'two' } }, e, ctx).state).toBe('match');
    expect(evalEduCheck({ no_edu_receipt: { user: 'zed' } }, e, ctx).state).toBe('match');
    expect(evalEduCheck({ no_edu_receipt: { user: 'alice', type: 'm.read.private' } }, e, ctx).state).toBe('match');
  });

  it('no_edu_receipt_type fails when the type key is used', () => {
    expect(evalEduCheck({ no_edu_receipt_type: { type: 'm.read.private' } }, edu(receiptContent(alice, [EV1], { ts: now }, 'm.read.private')), ctx).state).toBe('mismatch');
    expect(evalEduCheck({ no_edu_receipt_type: { type: 'm.read.private' } }, edu(receiptContent(alice, [EV1], { ts: now })), ctx).state).toBe('match');
  });

  it('reads malformed EDUs without throwing', () => {
    expect(eduReceipts(edu({ [ROOM]: { 'm.read': { [alice]: '$x' } } }))).toHaveLength(1);
    expect(eduReceipts(edu('junk'))).toEqual([]);
    expect(evalEduCheck({ edu_receipt: { room: 'room', user: 'alice', event: 'one' } }, edu({ [ROOM]: null }), ctx).state).toBe('pending');
  });
});

describe('automatic m.receipt EDU validation', () => {
  const alice = '@alice:hs.test';
  const rulesOf = (content: unknown) => receiptEduProblems(edu(content)).map((p) => `${p.level}:${p.rules.join(',')}`);

  it('accepts a well-formed EDU, threaded or not', () => {
    expect(rulesOf(receiptContent(alice, [EV1], { ts: 1 }))).toEqual([]);
    expect(rulesOf(receiptContent(alice, [EV1], { ts: 1, thread_id: 'main' }))).toEqual([]);
  });

  it('flags two event IDs, none, a non-integer ts, a missing data and a non-string thread_id (R-FED-02)', () => {
    expect(rulesOf(receiptContent(alice, [EV1, EV2], { ts: 1 }))).toEqual(['MUST:R-FED-02']);
    expect(rulesOf(receiptContent(alice, [], { ts: 1 }))).toEqual(['MUST:R-FED-02']);
    expect(rulesOf(receiptContent(alice, [EV1], { ts: 1.5 }))).toEqual(['MUST:R-FED-02']);
    expect(rulesOf(receiptContent(alice, [EV1], { ts: '1' }))).toEqual(['MUST:R-FED-02']);
    expect(rulesOf({ [ROOM]: { 'm.read': { [alice]: { event_ids: [EV1] } } } })).toEqual(['MUST:R-FED-02']);
    expect(rulesOf(receiptContent(alice, [EV1], { ts: 1, thread_id: 7 }))).toEqual(['MUST:R-FED-02']);
  });

  it('flags m.read.private (MUST) and other receipt types (SHOULD) under R-FED-04', () => {
    expect(rulesOf(receiptContent(alice, [EV1], { ts: 1 }, 'm.read.private'))).toEqual(['MUST:R-FED-02', 'MUST:R-FED-04,R-PR-03']);
    expect(rulesOf({ [ROOM]: { 'm.read': { [alice]: { event_ids: [EV1], data: { ts: 1 } } }, 'org.example': {} } })).toEqual(['SHOULD:R-FED-04']);
  });

  it('ignores other EDU types', () => {
    expect(receiptEduProblems(edu({ anything: 1 }, 'm.typing'))).toEqual([]);
  });
});

describe('edus_until', () => {
  it('passes once the until checks match, and consumes the EDUs it read', async () => {
    const { ctx, fake } = makeCtx();
    setImmediate(() => fake.push(receiptContent('@alice:hs.test', [EV1], { ts: Date.now() })));
    await edusUntil(ctx, 'w', { until: [{ edu_receipt: { room: 'room', user: 'alice', event: 'one' } }] });
    expect(broken(ctx)).toEqual([]);
    expect(ctx.positions.edus).toBe(1);
  });

  it('fails when a throughout check breaks before the sentinel', async () => {
    const { ctx, fake } = makeCtx();
    fake.push(receiptContent('@alice:hs.test', [EV2], { ts: Date.now() }, 'm.read.private'));
    fake.push(receiptContent('@alice:hs.test', [EV1], { ts: Date.now() }));
    await edusUntil(ctx, 'w', { until: [{ edu_receipt: { room: 'room', user: 'alice', event: 'one' } }], throughout: [{ no_edu_receipt: { user: 'alice', event: 'two' } }] });
    expect(broken(ctx).map((f) => f.rules.join(','))).toEqual(['R-FED-02', 'R-FED-04,R-PR-03', 'R-FED-09,R-FED-10']);
  });

  it('fails when nothing matches before the deadline', async () => {
    const { ctx, fake } = makeCtx();
    fake.push(receiptContent('@alice:hs.test', [EV2], { ts: Date.now() }));
    await edusUntil(ctx, 'w', { until: [{ edu_receipt: { room: 'room', user: 'alice', event: 'one' } }], timeout_ms: 50 });
    expect(broken(ctx)).toHaveLength(1);
    expect(broken(ctx)[0]!.message).toMatch(/not seen within 50 ms/);
  });

  it('only records in an INFO scenario', async () => {
    const { ctx, fake } = makeCtx('INFO');
    fake.push(receiptContent('@alice:hs.test', [EV1], { ts: Date.now() }));
    await edusUntil(ctx, 'w', { until: [{ edu_receipt: { room: 'room', user: 'alice', event: 'one' } }], throughout: [{ no_edu_receipt: { user: 'alice' } }] });
    expect(ctx.checks.map((f) => `${f.level} ${f.status}`)).toEqual(['INFO info', 'INFO info']);
  });
});

describe('inject_receipt and inject_edu', () => {
  it('build the EDU from names and accept a 200 with a pdus object', async () => {
    const { ctx, fake } = makeCtx();
    await runFederationStep(ctx, 's', 'inject_receipt', { as: 'zed', room: 'room', event: 'one', thread: 'root', ts: 42 });
    expect(fake.sent[0]!.edus).toEqual([{ edu_type: 'm.receipt', content: { [ROOM]: { 'm.read': { [`@rc_${ctx.tag}_zed:${REMOTE}`]: { event_ids: [EV1], data: { ts: 42, thread_id: ROOT } } } } } }]);
    expect(broken(ctx)).toEqual([]);
  });

  it('fail on a 200 without a pdus object (R-FED-10)', async () => {
    const { ctx, fake } = makeCtx();
    fake.answer = { status: 200, body: {} };
    await runFederationStep(ctx, 's', 'inject_receipt', { as: 'zed', room: 'room', event: 'one' });
    expect(broken(ctx).map((f) => f.rules)).toEqual([['R-FED-10']]);
  });

  it('fail on a status other than the expected one', async () => {
    const { ctx, fake } = makeCtx();
    fake.answer = { status: 500, body: { errcode: 'M_UNKNOWN', error: 'boom' } };
    await runFederationStep(ctx, 's', 'inject_edu', { content: {} });
    expect(broken(ctx)[0]!.message).toMatch(/status 500, expected 200/);
  });

  it('reuse the transaction ID of a named transaction', async () => {
    const { ctx, fake } = makeCtx();
    await runFederationStep(ctx, 's', 'inject_receipt', { as: 'zed', room: 'room', event: 'one', txn_id: 't1' });
    await runFederationStep(ctx, 's', 'inject_receipt', { as: 'zed', room: 'room', event: 'two', txn_id: 't1' });
    await runFederationStep(ctx, 's', 'inject_receipt', { as: 'zed', room: 'room', event: 'two' });
    expect(fake.sent[0]!.txnId).toBeDefined();
    expect(fake.sent[1]!.txnId).toBe(fake.sent[0]!.txnId);
    expect(fake.sent[2]!.txnId).toBeUndefined();
  });

  it('substitute placeholders in keys and strings', () => {
    const { ctx } = makeCtx();
    expect(ctx.fill({ '{room:room}': { x: ['{event:one}', '{user:alice}', '{remote:zed}', 'on {remote_server} for {server}'], n: 3 } })).toEqual({
      [ROOM]: { x: [EV1, '@alice:hs.test', `@rc_${ctx.tag}_zed:${REMOTE}`, `on ${REMOTE} for hs.test`], n: 3 },
    });
    expect(typeof ctx.fill('{now}')).toBe('number');
    expect(ctx.user('zed')).toBe(`@rc_${ctx.tag}_zed:${REMOTE}`);
  });
});
