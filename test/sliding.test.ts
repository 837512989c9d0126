// The sliding sync stream (MSC4186, receipts extension) against a scripted fake: a missing endpoint
// makes the scenario unsupported, the connection long-polls from the pos each answer gives, every
// request carries the whole body, and a wait is settled by the sentinel receipt, not its deadline.
// Also the MSC4127 step: the token travels in the query string, and the result shows it redacted.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MatrixApi } from '../src/client/matrix.ts';
import { makeRegistrar } from '../src/client/register.ts';
import { runScenario } from '../src/runner/run-scenario.ts';
import { SLIDING_PATH } from '../src/runner/streams/sliding.ts';
import type { Scenario } from '../src/scenario/types.ts';
import type { Level } from '../src/verdict.ts';
import { redactDeep } from '../src/safety/redaction.ts';

const ROOM = '!room:hs';
const SENTINEL_ROOM = '!sentinel:hs';

interface Fake {
  baseUrl: string;
  /** What the sliding endpoint answers: scripted responses in order, or a missing endpoint. */
  sliding: { missing: boolean; script: ((pos: string | null) => unknown)[] };
  slidingCalls: { pos: string | null; timeout: string | null; body: any }[];
  requests: string[];
  /** The receipt requests: query string and whether an Authorization header came. */
  receipts: { query: string; header: boolean }[];
  close(): Promise<void>;
}

let fake: Fake;

beforeAll(async () => {
  const state: Omit<Fake, 'baseUrl' | 'close'> = { sliding: { missing: false, script: [] }, slidingCalls: [], requests: [], receipts: [] };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const p = url.pathname;
      state.requests.push(`${req.method} ${p}`);
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (p === '/_synapse/admin/v1/register') {
        if (req.method === 'GET') return send(200, { nonce: 'n' });
        const u = JSON.parse(body).username as string;
        return send(200, { user_id: `@${u.split('_').pop()}:hs`, access_token: `tok_${u}`, device_id: 'D' });
      }
      if (p === SLIDING_PATH) {
        if (state.sliding.missing) return send(404, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
        const pos = url.searchParams.get('pos');
        state.slidingCalls.push({ pos, timeout: url.searchParams.get('timeout'), body: JSON.parse(body) });
        const next = state.sliding.script.shift();
        if (next) return send(200, next(pos));
        // Nothing scripted: hold the long-poll briefly, as a server with nothing new would.
        setTimeout(() => send(200, { pos: `${pos ?? 'p'}+`, extensions: { receipts: { rooms: {} } } }), 100);
        return;
      }
      if (p.endsWith('/sync')) return send(200, { next_batch: 's0' });
      if (p.endsWith('/createRoom')) return send(200, { room_id: String(JSON.parse(body).name ?? '').includes('sentinel of') ? SENTINEL_ROOM : ROOM });
      if (p.includes('/send/')) return send(200, { event_id: p.includes(encodeURIComponent(SENTINEL_ROOM)) ? '$sentinel' : `$${String(JSON.parse(body).body ?? 'ev').split(' ')[0]}` });
      if (p.includes('/receipt/')) {
        state.receipts.push({ query: url.search, header: req.headers.authorization !== undefined });
        return send(200, {});
      }
      return send(404, { errcode: 'M_UNRECOGNIZED', error: 'fake' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake = Object.assign(state, {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
});
afterAll(async () => fake.close());

function scenario(steps: Scenario['steps']): Scenario {
  return { id: 't.sliding.x', title: 'test', rules: ['R-TENT-02'], level: 'MUST', spec: { since: 'v1.19' }, tags: [], needs: [], tentative: 'MSC4186', users: ['alice', 'bob'], guests: [], remote_users: [], steps, file: 'x.yaml', area: 'tentative/msc4186', stepLines: steps.map((_, i) => i + 1) };
}

async function run(s: Scenario) {
  const api = new MatrixApi({ baseUrl: fake.baseUrl });
  const settings = { runPrefix: 'rct', syncTimeoutMs: 1500, pollMs: 200, ruleLevels: new Map<string, Level>([['R-TENT-02', 'MUST']]) };
  const out = await runScenario(s, { api, registrar: makeRegistrar(api, { mode: 'shared-secret', sharedSecret: 'x' }), settings });
  return { ...out, findings: out.checks.filter((c) => c.status !== 'pass' && c.role !== 'record') };
}

const setup = [{ create_room: { as: 'alice', room: 'room' } }, { send: { as: 'alice', room: 'room', event: 'hello' } }];
const receiptsFor = (roomId: string, userId: string, eventId: string) => ({ rooms: { [roomId]: { type: 'm.receipt', content: { [eventId]: { 'm.read': { [userId]: { ts: Date.now() } } } } } } });

describe('the sliding sync stream', () => {
  it('a target without the endpoint makes the scenario unsupported, naming what answered', async () => {
    fake.sliding = { missing: true, script: [] };
    const res = await run(scenario([...setup, { sliding_until: { as: 'alice', until: [{ sliding_receipt: { event: 'hello', user: 'bob' } }] } }]));
    expect(res.status).toBe('unsupported');
    expect(res.message).toMatch(/does not serve simplified sliding sync .*answered 404 M_UNRECOGNIZED/);
  });

  it('opens without pos, then long-polls from each answer\'s pos with the whole body every time', async () => {
    fake.sliding = {
      missing: false,
      script: [() => ({ pos: 'p1', rooms: { [ROOM]: { timeline: [{ event_id: '$hello' }] } }, extensions: { receipts: { rooms: {} } } }), (pos) => ({ pos: `${pos}-2`, extensions: { receipts: receiptsFor(ROOM, '@bob:hs', '$hello') } })],
    };
    fake.slidingCalls = [];
    const res = await run(scenario([...setup, { sliding_until: { as: 'alice', until: [{ sliding_timeline: { event: 'hello' } }] } }, { sliding_until: { as: 'alice', until: [{ sliding_receipt: { event: 'hello', user: 'bob' } }] } }]));
    expect(res.findings).toEqual([]);
    expect(res.status).toBe('pass');
    expect(fake.slidingCalls.map((c) => [c.pos, c.timeout])).toEqual([[null, '0'], ['p1', '200']]);
    for (const c of fake.slidingCalls) {
      expect(c.body.extensions.receipts.enabled).toBe(true);
      expect(c.body.lists.rc).toMatchObject({ ranges: [[0, 99]], required_state: [], timeline_limit: 10 });
    }
    expect(new Set(fake.slidingCalls.map((c) => c.body.conn_id)).size).toBe(1);
  });

  it('fails an extension value that is not an m.receipt event in the /sync shape (R-TENT-02)', async () => {
    fake.sliding = { missing: false, script: [() => ({ pos: 'p1', extensions: { receipts: { rooms: { [ROOM]: { type: 'm.receipt', content: { $hello: { 'm.read': { '@bob:hs': { ts: 'soon' } } } } } } } } })] };
    const res = await run(scenario([...setup, { sliding_until: { as: 'alice', until: [{ sliding_receipt: { event: 'hello', user: 'bob' } }] } }]));
    const schema = res.findings.find((f) => f.check.includes('m.receipt event per room'));
    expect(schema?.message).toMatch(/breaks the m.receipt event schema: .*ts/);
    expect(schema?.rules).toEqual(['R-TENT-02']);
  });

  it('a receipt still missing when the later sentinel receipt arrives is judged then, not at the deadline', async () => {
    fake.sliding = {
      missing: false,
      script: [() => ({ pos: 'p1', extensions: { receipts: { rooms: {} } } }), () => ({ pos: 'p2', extensions: { receipts: receiptsFor(SENTINEL_ROOM, '@alice:hs', '$sentinel') } })],
    };
    const started = Date.now();
    const res = await run(scenario([...setup, { sliding_until: { as: 'alice', until: [{ sliding_receipt: { event: 'hello', user: 'bob' } }] } }]));
    expect(res.status).toBe('fail');
    expect(res.findings[0]!.message).toMatch(/delivered a receipt the suite posted after this was due/);
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it('a short list posts no sentinel (a new room would push the scenario\'s rooms out) and keeps its deadline', async () => {
    fake.sliding = { missing: false, script: [] };
    fake.slidingCalls = [];
    const before = fake.requests.length;
    const res = await run(scenario([...setup, { sliding_until: { as: 'alice', list_size: 1, until: [{ sliding_receipt: { event: 'hello', user: 'bob' } }] } }]));
    expect(res.findings[0]!.message).toMatch(/not seen within 1500 ms/);
    const made = fake.requests.slice(before);
    expect(made.filter((r) => r.includes('/createRoom'))).toHaveLength(1);
    expect(made.some((r) => r.includes('/receipt/'))).toBe(false);
    expect(fake.slidingCalls[0]!.body.lists.rc.ranges).toEqual([[0, 0]]);
  });

  it('a snapshot opens a connection of its own each time', async () => {
    fake.sliding = { missing: false, script: [() => ({ pos: 'a', extensions: { receipts: receiptsFor(ROOM, '@bob:hs', '$hello') } }), () => ({ pos: 'b', extensions: { receipts: { rooms: {} } } })] };
    fake.slidingCalls = [];
    const res = await run(scenario([...setup, { sliding: { as: 'alice', checks: [{ sliding_receipt: { event: 'hello', user: 'bob' } }] } }, { sliding: { as: 'alice', timeline_limit: 1, checks: [{ no_sliding_receipt: { user: 'bob' } }] } }]));
    expect(res.status).toBe('pass');
    expect(fake.slidingCalls.map((c) => c.pos)).toEqual([null, null]);
    expect(new Set(fake.slidingCalls.map((c) => c.body.conn_id)).size).toBe(2);
    expect(fake.slidingCalls[1]!.body.lists.rc.timeline_limit).toBe(1);
  });
});

describe('token_in_query (MSC4127)', () => {
  it('sends the token in the query string only, and the result holds it redacted', async () => {
    fake.receipts = [];
    const s = scenario([...setup, { token_in_query: { as: 'alice', event: 'hello', expect: { status: 200, body: {} } } }]);
    const res = await run({ ...s, level: 'INFO', rules: ['R-TENT-08'] });
    expect(res.status).toBe('info');
    expect(fake.receipts).toEqual([{ query: expect.stringMatching(/^\?access_token=tok_rct_/), header: false }]);
    const text = JSON.stringify(redactDeep(res));
    expect(text).toMatch(/access_token=<redacted>/);
    expect(text).not.toMatch(/tok_rct_/);
  });
  it('with header: true, sends both', async () => {
    fake.receipts = [];
    await run(scenario([...setup, { token_in_query: { as: 'alice', event: 'hello', header: true, expect: { status: 200, record: true } } }]));
    expect(fake.receipts).toEqual([{ query: expect.stringMatching(/^\?access_token=tok_rct_/), header: true }]);
  });
});
