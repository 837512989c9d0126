import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { buildReceiptEdu, FakeHomeserver } from '../../src/federation/fake-server.ts';
import { SendGate } from '../../src/federation/hold.ts';

// `hs` plays the homeserver under test's peer that holds its answers; `remote` sends to it.
describe('a fake server holding its answers to PUT /send', () => {
  let hs: FakeHomeserver;
  let remote: FakeHomeserver;
  const logs: string[] = [];

  beforeAll(async () => {
    hs = await FakeHomeserver.start({ target: { serverName: 'nowhere.invalid', baseUrl: 'http://127.0.0.1:9' }, log: (l) => logs.push(`hs: ${l}`) });
    remote = await FakeHomeserver.start({ target: { serverName: hs.serverName, baseUrl: hs.baseUrl }, log: (l) => logs.push(`remote: ${l}`) });
  });
  afterAll(async () => {
    await remote?.stop();
    await hs?.stop();
  });

  const receipt = (user: string) => buildReceiptEdu('!room:hs', remote.userId(user), ['$ev'], { ts: 1 });

  it('records a held transaction at once and answers it 200 only on release', async () => {
    hs.holdTransactions({ maxHoldMs: 5000, eduTypes: ['m.receipt'] });
    const since = hs.received.edus.length;
    let answered = false;
    const sending = remote.sendTransaction({ edus: [receipt('bob')] }).then((r) => ((answered = true), r));
    await hs.waitForEdu((e) => e.edu_type === 'm.receipt', { since, timeoutMs: 5000 });
    expect(answered).toBe(false);
    expect(hs.gate.heldCount).toBe(1);
    expect(hs.releaseTransactions()).toEqual({ released: 1, expired: 0 });
    expect(await sending).toEqual({ status: 200, body: { pdus: {} } });
    expect(hs.gate.isHolding).toBe(false);
  });

  it('answers transactions without a held EDU type at once', async () => {
    hs.holdTransactions({ maxHoldMs: 5000, eduTypes: ['m.receipt'] });
    const res = await remote.sendTransaction({ edus: [{ edu_type: 'm.typing', content: {} }] });
    expect(res.status).toBe(200);
    expect(hs.gate.heldCount).toBe(0);
    hs.releaseTransactions();
  });

  it('answers 200 at the deadline when nobody releases, and says so on release', async () => {
    hs.holdTransactions({ maxHoldMs: 150 });
    const started = performance.now();
    const res = await remote.sendTransaction({ edus: [receipt('carol')] });
    expect(res).toEqual({ status: 200, body: { pdus: {} } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(hs.releaseTransactions()).toEqual({ released: 0, expired: 1 });
    expect(logs.some((l) => /deadline of 150 ms/.test(l))).toBe(true);
  });

  it('refuses an unbounded hold', () => {
    const gate = new SendGate(() => {});
    expect(() => gate.hold({ maxHoldMs: 60_000 })).toThrow(/maxHoldMs/);
    expect(() => gate.hold({ maxHoldMs: 0 })).toThrow(/maxHoldMs/);
  });

  it('answers everything still held when the server stops', async () => {
    const other = await FakeHomeserver.start({ target: { serverName: 'nowhere.invalid', baseUrl: 'http://127.0.0.1:9' } });
    const sender = await FakeHomeserver.start({ target: { serverName: other.serverName, baseUrl: other.baseUrl } });
    try {
      other.holdTransactions({ maxHoldMs: 8000 });
      const sending = sender.sendTransaction({ edus: [receipt('dan')] }).catch((e: Error) => e);
      await other.waitForEdu(() => true, { timeoutMs: 5000 });
      const started = performance.now();
      await other.stop();
      await sending;
      expect(performance.now() - started).toBeLessThan(2000);
      expect(other.gate.heldCount).toBe(0);
    } finally {
      await sender.stop();
      await other.stop();
    }
  });
});
