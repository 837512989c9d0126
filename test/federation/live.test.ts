// Opt-in: the fake federation server against real homeservers, one room per room version. Runs only with
// RC_FED_LIVE=1 and when the server is already in the cache (it never installs or builds one):
//
//   RC_FED_LIVE=1 npx vitest run --project unit test/federation/live.test.ts
//
// For each version: the homeserver creates a public room, the fake joins it (make_join/send_join), sends a
// message PDU and an m.receipt EDU (both must reach the local user's /sync), and the local user's own receipt
// must come back to the fake as an m.receipt EDU.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { DEFAULT_SYNAPSE_VERSION, startSynapseTarget } from '../../src/targets/synapse.ts';
import { DEFAULT_DENDRITE_VERSION, startDendriteTarget } from '../../src/targets/dendrite.ts';
import type { TargetHandle } from '../../src/targets/target.ts';
import { buildReceiptEdu, FakeHomeserver, UnsupportedRoomVersionError } from '../../src/federation/fake-server.ts';
import { discoverFederation } from '../../src/federation/discovery.ts';
import { probeFederation } from '../../src/federation/probe.ts';
import { capabilities, createRoom, postReceipt, receiptIn, register, syncUntil, timelineHas, type LiveUser } from './live-client.ts';

const LIVE = process.env.RC_FED_LIVE === '1';
const cached = (...parts: string[]): boolean => existsSync(join(process.env.RC_CACHE_DIR || join(process.env.HOME ?? '', '.cache', 'receipts-conformance'), ...parts));
const SYNAPSE_READY = cached(`synapse-${DEFAULT_SYNAPSE_VERSION}`, 'venv', '.receipts-conformance-installed');
const DENDRITE_READY = cached(`dendrite-${DEFAULT_DENDRITE_VERSION}`, '.receipts-conformance-built');
const WAIT_MS = 20_000;

interface Timing {
  version: string;
  joinMs: number;
  pduMs: number;
  eduInMs: number;
  eduOutMs: number;
}

const since = (t0: number): number => Math.round(performance.now() - t0);

/** The whole round trip for one room; returns how long each leg took. */
async function roundTrip(hs: TargetHandle, alice: LiveUser, roomVersion: string | undefined): Promise<Timing> {
  const room = await createRoom(alice, roomVersion);
  if (!room.roomId) throw new Error(`createRoom(${roomVersion}) answered ${room.status} ${JSON.stringify(room.body)}`);
  const roomId = room.roomId;
  const target = await discoverFederation({ serverName: hs.serverName!, overrideUrl: hs.baseUrl });
  const fake = await FakeHomeserver.start({ target: { serverName: hs.serverName!, baseUrl: target.baseUrl }, requestTimeoutMs: WAIT_MS });
  try {
    const bob = fake.userId('bob');
    let t0 = performance.now();
    const joined = await fake.joinRoom(roomId, bob);
    const joinMs = since(t0);
    if (roomVersion) expect(joined.roomVersion).toBe(roomVersion);
    if (joined.roomVersion === '12') expect(roomId).toMatch(/^![A-Za-z0-9_-]{43}$/);

    t0 = performance.now();
    const msg = fake.createEvent(roomId, { type: 'm.room.message', sender: bob, content: { msgtype: 'm.text', body: `hello v${joined.roomVersion}` } });
    const sent = await fake.sendTransaction({ pdus: [msg.event] });
    expect(sent.status).toBe(200);
    expect((sent.body as { pdus: Record<string, object> }).pdus[msg.eventId]).toEqual({});
    await syncUntil(alice, timelineHas(roomId, msg.eventId), WAIT_MS, `bob's message ${msg.eventId}`);
    const pduMs = since(t0);

    t0 = performance.now();
    expect((await fake.sendTransaction({ edus: [buildReceiptEdu(roomId, bob, [msg.eventId])] })).status).toBe(200);
    await syncUntil(alice, receiptIn(roomId, msg.eventId, bob), WAIT_MS, `bob's receipt on ${msg.eventId}`);
    const eduInMs = since(t0);

    t0 = performance.now();
    const from = fake.received.edus.length;
    await postReceipt(alice, roomId, msg.eventId);
    const edu = await fake.waitForEdu((e) => e.edu_type === 'm.receipt' && (e.content as any)?.[roomId]?.['m.read']?.[alice.userId] !== undefined, { since: from, timeoutMs: WAIT_MS });
    expect((edu.content as any)[roomId]['m.read'][alice.userId].event_ids).toEqual([msg.eventId]);
    return { version: joined.roomVersion, joinMs, pduMs, eduInMs, eduOutMs: since(t0) };
  } finally {
    await fake.stop();
  }
}

function report(name: string, rows: Timing[]): void {
  const lines = rows.map((r) => `  v${r.version}: join ${r.joinMs} ms, PDU→sync ${r.pduMs} ms, EDU→sync ${r.eduInMs} ms, receipt→EDU ${r.eduOutMs} ms`);
  console.log(`${name}\n${lines.join('\n')}`);
}

function liveSuite(name: string, ready: boolean, start: (reportDir: string) => Promise<TargetHandle>, versions: string[], extra: (ctx: { hs: () => TargetHandle; alice: () => LiveUser }) => void): void {
  describe.skipIf(!LIVE || !ready)(name, () => {
    let hs: TargetHandle;
    let alice: LiveUser;
    let reportDir: string;
    const rows: Timing[] = [];

    beforeAll(async () => {
      reportDir = mkdtempSync(join(tmpdir(), 'rc-fed-live-'));
      hs = await start(reportDir);
      const secret = (hs.registration as { sharedSecret: string }).sharedSecret;
      alice = await register(hs.baseUrl, secret, `alice${Date.now()}`);
      await syncUntil(alice, () => true, WAIT_MS, 'an initial sync');
    }, 240_000);
    afterAll(async () => {
      report(`${name} (default room version ${(await capabilities(alice).catch(() => ({ default: '?' }))).default})`, rows);
      await hs?.stop();
      rmSync(reportDir, { recursive: true, force: true });
    });

    it('is reachable from the target (probe) and says how to fix an unreachable fake', async () => {
      expect(await probeFederation({ target: { serverName: hs.serverName!, baseUrl: hs.baseUrl }, deadlineMs: WAIT_MS })).toMatchObject({ ok: true });
      const bad = await probeFederation({ target: { serverName: hs.serverName!, baseUrl: hs.baseUrl }, advertisedHost: '127.0.0.2', deadlineMs: WAIT_MS });
      expect(bad.ok).toBe(false);
      console.log(`${name} probe with an unreachable name: ${(bad as { reason: string }).reason}`);
    }, 60_000);

    it.each(versions)('room version %s: join, PDU and EDU in, receipt EDU out', async (v) => {
      rows.push(await roundTrip(hs, alice, v));
    }, 90_000);

    it("the target's default room version", async () => {
      rows.push(await roundTrip(hs, alice, undefined));
    }, 90_000);

    extra({ hs: () => hs, alice: () => alice });
  });
}

const log = (line: string): void => void (process.env.RC_FED_DEBUG ? console.log(line) : undefined);

liveSuite(`Synapse ${DEFAULT_SYNAPSE_VERSION}`, SYNAPSE_READY, (reportDir) => startSynapseTarget({ reportDir, log }), ['6', '7', '8', '9', '10', '11', '12'], () => {});

liveSuite(`Dendrite ${DEFAULT_DENDRITE_VERSION}`, DENDRITE_READY, (reportDir) => startDendriteTarget({ reportDir, log }), ['6', '7', '8', '9', '10', '11'], ({ hs, alice }) => {
  it('has no v12: createRoom refuses it, and a room joined offering only v12 gives UnsupportedRoomVersionError', async () => {
    const v12 = await createRoom(alice(), '12');
    expect(v12.status).toBe(400);
    console.log(`Dendrite createRoom(room_version 12): ${v12.status} ${JSON.stringify(v12.body)}`);
    const room = await createRoom(alice(), '11');
    const fake = await FakeHomeserver.start({ target: { serverName: hs().serverName!, baseUrl: hs().baseUrl } });
    try {
      const err = await fake.joinRoom(room.roomId!, fake.userId('bob'), { roomVersions: ['12'] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsupportedRoomVersionError);
      expect(err).toMatchObject({ roomVersion: '11', offered: ['12'], answer: { status: 400, body: { errcode: 'M_INCOMPATIBLE_ROOM_VERSION' } } });
      console.log(`Dendrite, offering only v12: ${(err as Error).name}: ${(err as Error).message}`);
    } finally {
      await fake.stop();
    }
  }, 60_000);
});
