// The runner turns wrong responses into findings and statuses. Fed by a scripted fake server.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startFakeCs, type FakeCs } from './fake-cs.ts';
import { MatrixApi } from '../src/client/matrix.ts';
import { makeRegistrar } from '../src/client/register.ts';
import { runScenario, verdictOf } from '../src/runner/run-scenario.ts';
import type { Scenario } from '../src/scenario/types.ts';
import type { Level, Status } from '../src/verdict.ts';

let fake: FakeCs;
beforeAll(async () => {
  fake = await startFakeCs();
});
afterAll(async () => fake.close());

function scenario(steps: Scenario['steps'], level: Scenario['level'] = 'MUST', rules = ['R-CS-06', 'R-CS-01', 'R-CS-10', 'R-RM-07', 'R-NT-04', 'R-ERR-07']): Scenario {
  return { id: 't.x.y', title: 'test', rules, level, spec: { since: 'v1.1' }, tags: [], needs: [], users: ['alice', 'bob'], guests: [], remote_users: [], steps, file: 'x.yaml', area: 't', stepLines: steps.map((_, i) => i + 1) };
}

const settings = (syncTimeoutMs = 1500) => ({ runPrefix: 'rct', syncTimeoutMs, pollMs: 200, ruleLevels: new Map<string, Level>([['R-CS-01', 'API'], ['R-PR-02', 'MUST']]) });

async function run(s: Scenario) {
  const api = new MatrixApi({ baseUrl: fake.baseUrl });
  const out = await runScenario(s, { api, registrar: makeRegistrar(api, { mode: 'shared-secret', sharedSecret: 'x' }), settings: settings() });
  return { ...out, findings: out.checks.filter((c) => c.status !== 'pass' && c.role !== 'record') };
}

const setup = [{ create_room: { as: 'alice', room: 'room', join: ['bob'] } }, { send: { as: 'alice', room: 'room', event: 'hello' } }];

describe('status and errcode expectations', () => {
  it('fails a MUST when the status differs, naming expected, actual and the request', async () => {
    fake.receiptAnswer = { status: 403, body: { errcode: 'M_FORBIDDEN', error: 'no' } };
    const res = await run(scenario([...setup, { receipt: { as: 'bob', room: 'room', event: 'hello', expect: { status: 200, body: {} } } }]));
    expect(res.status).toBe('fail');
    const f = res.findings[0]!;
    expect(f.message).toContain('status 403');
    expect(f.request?.path).toContain('/receipt/m.read/');
    expect(JSON.stringify(f.request)).not.toContain('tok_');
  });
  it('fails on the wrong errcode', async () => {
    fake.receiptAnswer = { status: 400, body: { errcode: 'M_UNKNOWN', error: 'x' } };
    const res = await run(scenario([...setup, { receipt: { as: 'bob', room: 'room', event: 'hello', expect: { status: 400, errcode: 'M_INVALID_PARAM' } } }]));
    expect(res.status).toBe('fail');
    expect(res.findings[0]!.message).toContain('errcode "M_UNKNOWN"');
  });
  it('fails on an error body without errcode (R-ERR-07)', async () => {
    fake.receiptAnswer = { status: 400, body: { error: 'no code' } };
    const res = await run(scenario([...setup, { receipt: { as: 'bob', room: 'room', event: 'hello', expect: { status: '4xx' } } }]));
    expect(res.status).toBe('fail');
    expect(res.findings.some((f) => f.rules.includes('R-ERR-07'))).toBe(true);
  });
  it('fails on a non-empty 200 body where {} is required', async () => {
    fake.receiptAnswer = { status: 200, body: { extra: true } };
    const res = await run(scenario([...setup, { receipt: { as: 'bob', room: 'room', event: 'hello', expect: { status: 200, body: {} } } }]));
    expect(res.status).toBe('fail');
  });
  it('fails a 200 receipt answer that is not an empty object, even without expect', async () => {
    fake.receiptAnswer = { status: 200, body: { receipt: 'stored' } };
    const res = await run(scenario([...setup, { receipt: { as: 'bob', room: 'room', event: 'hello' } }]));
    expect(res.status).toBe('fail');
    expect(res.findings[0]!.rules).toEqual(['R-CS-01']);
  });
  it('fails a JSON pointer expectation on a wrong value', async () => {
    fake.receiptAnswer = { status: 200, body: { notifications: [{ read: false }] } };
    const res = await run(scenario([...setup, { receipt: { as: 'bob', room: 'room', event: 'hello', expect: { status: 200, json: { '/notifications/0/read': true } } } }]));
    expect(res.status).toBe('fail');
    expect(res.findings[0]!.message).toContain('/notifications/0/read is false, expected true');
  });
  it('records an INFO expectation without failing', async () => {
    fake.receiptAnswer = { status: 403, body: { errcode: 'M_FORBIDDEN', error: 'no' } };
    const res = await run(scenario([...setup, { receipt: { as: 'bob', room: 'room', event: 'hello', expect: [{ status: '4xx' }, { record: true }] } }]));
    expect(res.status).toBe('pass');
    expect(res.message).toContain('observed 403 M_FORBIDDEN');
  });
  it('a SHOULD mismatch is non-strict, an INFO scenario is info', async () => {
    fake.receiptAnswer = { status: 500, body: { errcode: 'M_UNKNOWN', error: 'x' } };
    expect((await run(scenario([...setup, { receipt: { as: 'bob', room: 'room', event: 'hello' } }], 'SHOULD'))).status).toBe('non-strict');
    expect((await run(scenario([...setup, { receipt: { as: 'bob', room: 'room', event: 'hello', expect: { status: 200 } } }], 'INFO'))).status).toBe('info');
  });
});

describe('sync waits', () => {
  it('fails when the awaited receipt never arrives, within the deadline', async () => {
    fake.receiptAnswer = { status: 200, body: {} };
    fake.syncScript = [];
    const started = Date.now();
    const res = await run(scenario([...setup, { sync_until: { as: 'alice', until: [{ receipt: { room: 'room', event: 'hello', user: 'bob' } }] } }]));
    expect(res.status).toBe('fail');
    expect(res.findings[0]!.message).toMatch(/not seen within 1500 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
  it('fails a throughout check the moment a leaked receipt appears before the sentinel', async () => {
    fake.syncScript = [
      { next_batch: 's1', rooms: { join: { '!room:hs': { ephemeral: { events: [{ type: 'm.receipt', content: { $hello: { 'm.read.private': { '@alice:hs': { ts: 1 } } } } }] }, timeline: { events: [] } } } } },
      { next_batch: 's2', rooms: { join: { '!room:hs': { timeline: { events: [{ event_id: '$sentinel' }] } } } } },
    ];
    const res = await run(
      scenario([...setup, { send: { as: 'alice', room: 'room', event: 'sentinel' } }, { sync_until: { as: 'bob', until: [{ timeline: { room: 'room', event: 'sentinel' } }], throughout: [{ no_receipt: { room: 'room', user: 'alice' } }] } }]),
    );
    expect(res.status).toBe('fail');
    expect(res.findings).toHaveLength(1);
    expect(res.findings[0]!.message).toContain('must not');
  });
  it('fails any m.receipt that breaks the event schema, naming the path', async () => {
    fake.syncScript = [{ next_batch: 's1', rooms: { join: { '!room:hs': { ephemeral: { events: [{ type: 'm.receipt', content: { $hello: { 'm.read': { '@bob:hs': { ts: 'soon' } } } } }] } } } } }];
    const res = await run(scenario([...setup, { sync_until: { as: 'alice', until: [{ receipt: { room: 'room', event: 'hello', user: 'bob' } }] } }]));
    expect(res.status).toBe('fail');
    const schema = res.findings.find((f) => f.rules.includes('R-CS-10'))!;
    expect(schema.message).toContain('/content/$hello/m.read/@bob:hs/ts');
  });
  it('fails any m.fully_read account data that breaks its schema (R-RM-07)', async () => {
    fake.syncScript = [{ next_batch: 's1', rooms: { join: { '!room:hs': { account_data: { events: [{ type: 'm.fully_read', content: { event: '$hello' } }] }, timeline: { events: [{ event_id: '$hello' }] } } } } }];
    const res = await run(scenario([...setup, { sync_until: { as: 'alice', until: [{ timeline: { room: 'room', event: 'hello' } }] } }]));
    expect(res.status).toBe('fail');
    const f = res.findings.find((x) => x.rules.includes('R-RM-07'))!;
    expect(f.message).toContain("must have required property 'event_id'");
  });
  it('fails a window delta check when unchanged receipts are repeated', async () => {
    fake.syncScript = [{ next_batch: 's1', rooms: { join: { '!room:hs': { ephemeral: { events: [{ type: 'm.receipt', content: { $hello: { 'm.read': { '@bob:hs': { ts: Date.now() }, '@alice:hs': { ts: Date.now() } } } } }] } } } } }];
    const res = await run(scenario([...setup, { sync_until: { as: 'alice', until: [{ receipt: { room: 'room', event: 'hello', user: 'bob' } }], window: [{ only_receipts: { room: 'room', receipts: [{ user: 'bob', event: 'hello' }] } }] } }]));
    expect(res.status).toBe('fail');
    expect(res.findings[0]!.message).toContain('repeated');
  });
});

describe('account data read back', () => {
  it('fails when the content differs from what the step expects', async () => {
    fake.accountData = { event_id: '$other' };
    const res = await run(scenario([...setup, { account_data: { as: 'alice', room: 'room', type: 'm.fully_read', get: true, content: { event_id: 'hello' } } }]));
    expect(res.status).toBe('fail');
    expect(res.findings[0]!.message).toContain('differs in event_id');
    fake.accountData = {};
  });
});

describe('counts in the same response (R-NT-04)', () => {
  it('fails when the response carrying the event lacks the new count, even if a later one has it', async () => {
    fake.syncScript = [
      { next_batch: 's1', rooms: { join: { '!room:hs': { timeline: { events: [{ event_id: '$hello' }] }, unread_notifications: { notification_count: 0 } } } } },
      { next_batch: 's2', rooms: { join: { '!room:hs': { unread_notifications: { notification_count: 1 } } } } },
    ];
    const res = await run(scenario([...setup, { sync_until: { as: 'alice', until: [{ timeline: { room: 'room', event: 'hello' } }, { unread: { room: 'room', notification_count: 1, same_response: true } }] } }]));
    expect(res.status).toBe('fail');
    expect(res.findings[0]!.message).toContain('did not carry the matching counts');
  });
});

describe('harness errors are not verdicts', () => {
  it('an unreachable server gives status error with the cause', async () => {
    const api = new MatrixApi({ baseUrl: 'http://127.0.0.1:9' });
    const res = await runScenario(scenario(setup), { api, registrar: makeRegistrar(api, { mode: 'shared-secret', sharedSecret: 'x' }), settings: settings(1000) });
    expect(res.status).toBe('error');
    expect(res.message).toMatch(/127\.0\.0\.1:9.*ECONNREFUSED/);
  });
});

describe('a verdict per check', () => {
  const leak = { next_batch: 's1', rooms: { join: { '!room:hs': { ephemeral: { events: [{ type: 'm.receipt', content: { $hello: { 'm.read': { '@bob:hs': { ts: Date.now() } } } } }] }, timeline: { events: [{ event_id: '$sentinel' }] } } } } };

  it('a failed precondition (another rule) blocks the scenario, names it, and stops it', async () => {
    fake.receiptAnswer = { status: 500, body: { errcode: 'M_UNKNOWN', error: 'x' } };
    fake.syncScript = [];
    const started = Date.now();
    // The scenario is about R-PR-02; the implicit 200 of /receipt stands for R-CS-01.
    const res = await run(scenario([...setup, { receipt: { as: 'bob', event: 'hello' } }, { sync_until: { as: 'alice', until: [{ receipt: { event: 'hello', user: 'bob' } }] } }], 'MUST', ['R-PR-02']));
    expect(res.status).toBe('blocked');
    expect(res.message).toMatch(/R-PR-02 could not be exercised: precondition R-CS-01 failed/);
    const pre = res.checks.find((c) => c.role === 'precondition')!;
    expect(pre).toMatchObject({ rules: ['R-CS-01'], level: 'API', status: 'fail' });
    // The wait after it never ran: no check of R-PR-02 was recorded, and no deadline was waited out.
    expect(res.checks.some((c) => c.rules.includes('R-PR-02'))).toBe(false);
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it('after a failed assertion, the independent checks that follow still run ("200 and leaked")', async () => {
    fake.receiptAnswer = { status: 200, body: {} };
    fake.syncScript = [leak];
    const res = await run(
      scenario([...setup, { send: { as: 'alice', event: 'sentinel' } }, { receipt: { as: 'bob', event: 'hello', expect: { status: '4xx' } } }, { sync_until: { as: 'alice', until: [{ timeline: { event: 'sentinel' } }], throughout: [{ no_receipt: { user: 'bob' } }] } }]),
    );
    expect(res.status).toBe('fail');
    const broken = res.checks.filter((c) => c.status === 'fail').map((c) => c.check);
    expect(broken).toEqual([expect.stringContaining('response {"status":"4xx"}'), expect.stringContaining('no_receipt')]);
  });

  it('a sentinel that never arrives blocks (it stands for no receipt rule)', async () => {
    fake.receiptAnswer = { status: 200, body: {} };
    fake.syncScript = [];
    const res = await run(scenario([...setup, { sync_until: { as: 'alice', until: [{ timeline: { event: 'hello' } }] } }]));
    expect(res.status).toBe('blocked');
    expect(res.message).toMatch(/a setup check failed/);
  });

  it('seen_by waits until each observer sees the receipt; the scenario cites no room', async () => {
    fake.receiptAnswer = { status: 200, body: {} };
    fake.syncScript = [leak];
    const res = await run(scenario([...setup, { receipt: { as: 'bob', event: 'hello', seen_by: 'alice' } }]));
    expect(res.status).toBe('pass');
    expect(res.checks.find((c) => c.where.includes('seen_by alice'))).toMatchObject({ status: 'pass', check: expect.stringContaining('"user":"bob"') });
  });

  it('seen_by fails within the deadline when the receipt never shows', async () => {
    fake.receiptAnswer = { status: 200, body: {} };
    fake.syncScript = [];
    const res = await run(scenario([...setup, { receipt: { as: 'bob', event: 'hello', seen_by: 'alice' } }]));
    expect(res.status).toBe('fail');
    expect(res.findings[0]!.message).toMatch(/not seen within/);
  });

  it('records count against nothing: a MUST scenario with an INFO record passes', async () => {
    fake.receiptAnswer = { status: 404, body: { errcode: 'M_NOT_FOUND', error: 'x' } };
    const res = await run(scenario([...setup, { receipt: { as: 'bob', event: 'hello', expect: { record: true } } }]));
    expect(res.status).toBe('pass');
    expect(res.checks.find((c) => c.role === 'record')).toMatchObject({ status: 'info', message: 'observed 404 M_NOT_FOUND' });
  });
});

describe('verdictOf', () => {
  const c = (role: 'assert' | 'precondition' | 'record', status: Status) => ({ where: 'w', check: 'c', rules: [], level: 'MUST' as const, role, status });
  it('is the worst of the assertions; a broken precondition is blocked; records do not count', () => {
    expect(verdictOf({ level: 'MUST' }, [c('assert', 'pass'), c('record', 'info')])).toBe('pass');
    expect(verdictOf({ level: 'MUST' }, [c('assert', 'pass'), c('precondition', 'fail')])).toBe('blocked');
    expect(verdictOf({ level: 'MUST' }, [c('assert', 'fail'), c('precondition', 'fail')])).toBe('fail');
    expect(verdictOf({ level: 'MUST' }, [c('precondition', 'pass'), c('assert', 'non-strict')])).toBe('non-strict');
    expect(verdictOf({ level: 'INFO' }, [c('record', 'info')])).toBe('info');
  });
});

describe('waits settled by evidence, not by their deadline', () => {
  it('a receipt that has not come when a later sentinel receipt arrives is judged then', async () => {
    fake.receiptAnswer = { status: 200, body: {} };
    const sentinelEcho = { type: 'm.receipt', content: { $ev: { 'm.read': { '@alice:hs': { ts: Date.now() } } } } };
    // Response 1 lacks bob's receipt: the engine posts alice's sentinel; response 2 echoes it.
    fake.syncScript = [
      { next_batch: 's1', rooms: { join: { '!room:hs': { timeline: { events: [] } } } } },
      { next_batch: 's2', rooms: { join: { '!room:hs': { ephemeral: { events: [sentinelEcho] } } } } },
    ];
    const started = Date.now();
    const before = fake.requests.length;
    const res = await run(scenario([...setup, { sync_until: { as: 'alice', until: [{ receipt: { event: 'hello', user: 'bob' } }] } }]));
    expect(res.status).toBe('fail');
    expect(res.findings[0]!.message).toMatch(/delivered a receipt the suite posted after this was due/);
    expect(Date.now() - started).toBeLessThan(1400);
    expect(fake.requests.slice(before).filter((r) => r.includes('/receipt/m.read/'))).toHaveLength(1);
  });
  it('a wait whose filter may hide the sentinel posts none and keeps its deadline', async () => {
    fake.syncScript = [];
    const before = fake.requests.length;
    const res = await run(scenario([...setup, { sync_until: { as: 'alice', filter: { room: { rooms: ['!room:hs'] } }, until: [{ receipt: { event: 'hello', user: 'bob' } }] } }]));
    expect(res.findings[0]!.message).toMatch(/not seen within 1500 ms/);
    expect(fake.requests.slice(before).some((r) => r.includes('/receipt/'))).toBe(false);
  });
  it("a guest's wait posts no sentinel (a guest can neither create a room nor post a receipt) and keeps its deadline", async () => {
    fake.syncScript = [];
    const before = fake.requests.length;
    const res = await run({ ...scenario([...setup, { sync_until: { as: 'bob', until: [{ receipt: { event: 'hello', user: 'alice' } }] } }]), guests: ['bob'] });
    expect(res.findings[0]!.message).toMatch(/not seen within 1500 ms/);
    const made = fake.requests.slice(before);
    expect(made).toContain('POST /_matrix/client/v3/register');
    expect(made.filter((r) => r.endsWith('/createRoom'))).toHaveLength(1);
    expect(made.some((r) => r.includes('/receipt/'))).toBe(false);
  });
});

describe('which filters may hide the sentinel', () => {
  it('thread counts and timeline limits do not; room lists and ephemeral filters do', async () => {
    const { filterMayHideSentinel } = await import('../src/runner/streams/sync.ts');
    expect(filterMayHideSentinel(undefined)).toBe(false);
    expect(filterMayHideSentinel({ room: { timeline: { unread_thread_notifications: true } } })).toBe(false);
    expect(filterMayHideSentinel({ presence: { types: [] } })).toBe(false);
    expect(filterMayHideSentinel({ room: { rooms: ['!a:hs'] } })).toBe(true);
    expect(filterMayHideSentinel({ room: { ephemeral: { types: ['m.typing'] } } })).toBe(true);
    expect(filterMayHideSentinel('123')).toBe(true);
  });
});
