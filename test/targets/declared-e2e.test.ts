// Opt-in: RC_TARGETS_E2E=1 npx vitest run --project unit test/targets/declared-e2e.test.ts
// Starts each shipped declared target from the cache (install first with test/targets/serve.ts;
// a cold palpo build takes ~15 minutes), registers two users, creates a room, joins, posts a
// receipt, stops the server and checks nothing is left running. Also the private PostgreSQL.
import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { loadTargetFile, startDeclaredTarget } from '../../src/targets/declarative.ts';
import { installDirOf, MARKER } from '../../src/targets/declared/install.ts';
import { startPostgres } from '../../src/targets/declared/postgres.ts';
import { MatrixApi, enc } from '../../src/client/matrix.ts';
import { makeRegistrar } from '../../src/client/register.ts';

const ENABLED = process.env.RC_TARGETS_E2E === '1';
const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'targets');
const TARGETS = ['palpo.yaml', 'synapse-0.99.0.yaml', 'synapse-1.0.0.yaml', 'synapse-1.60.0.yaml'];

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!ENABLED)('declared targets against real servers (RC_TARGETS_E2E=1)', () => {
  it.skipIf(!existsSync('/usr/lib/postgresql/15/bin/initdb'))('runs a private PostgreSQL 15 and stops it by pid', async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'rc-pg-test-'));
    const pg = await startPostgres({ version: 15, database: 'probe', logDir, readyTimeoutMs: 60_000 });
    try {
      expect(pg.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/probe$/);
      const out = execFileSync('/usr/lib/postgresql/15/bin/psql', ['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', '-d', 'probe', '-tAc', 'select 1+1']).toString();
      expect(out.trim()).toBe('2');
    } finally {
      await pg.stop();
    }
    expect(pg.failure()).toBeNull();
    expect(readFileSync(join(logDir, 'postgres-probe.log'), 'utf8')).toMatch(/database system is shut down/);
  }, 90_000);

  for (const name of TARGETS) {
    const spec = loadTargetFile(join(FIXTURES, name));
    const dir = installDirOf(spec, spec.version);
    const installed = existsSync(join(dir, MARKER));
    const title = installed
      ? `${name}: starts, registers two users, creates and joins a room, stops cleanly`
      : `${name}: not in the cache (${dir}); install it first: npx tsx test/targets/serve.ts fixtures/targets/${name}`;
    it.skipIf(!installed)(title, async (ctx) => {
      if (!installed) ctx.skip();
      const reportDir = mkdtempSync(join(tmpdir(), `rc-e2e-${spec.name}-`));
      const lines: string[] = [];
      const handle = await startDeclaredTarget(spec, { reportDir, log: (l) => lines.push(l) });
      const pids = lines.flatMap((l) => [...l.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1])));
      expect(pids.length).toBeGreaterThanOrEqual(spec.services?.length ? 2 : 1);
      expect(pids.every(alive)).toBe(true);
      try {
        expect(handle.kind).toBe('declared');
        expect(handle.software?.version).toContain(spec.version.split('.').slice(0, 2).join('.'));
        const api = new MatrixApi({ baseUrl: handle.baseUrl, pathVersion: handle.pathVersion ?? 'v3' });
        const registrar = makeRegistrar(api, handle.registration);
        const tag = Math.random().toString(16).slice(2, 8);
        const alice = await registrar.register(`e2e${tag}_alice`);
        const bob = await registrar.register(`e2e${tag}_bob`);
        expect(alice.userId).toMatch(new RegExp(`^@e2e${tag}_alice:`));
        const room = await alice.createRoom({ preset: 'public_chat' });
        expect(room.status, room.text).toBe(200);
        const roomId = room.json.room_id as string;
        const joined = await bob.join(roomId);
        expect(joined.status, joined.text).toBe(200);
        const sent = await alice.sendEvent(roomId, 'm.room.message', { msgtype: 'm.text', body: 'hi' }, `t${tag}`);
        expect(sent.status, sent.text).toBe(200);
        const receipt = await bob.call('POST', `/rooms/${enc(roomId)}/receipt/m.read/${enc(sent.json.event_id)}`, { json: {} });
        expect(receipt.status, receipt.text).toBe(200);
        for (const s of handle.secrets) expect(readFileSync(join(reportDir, 'logs', `${spec.name}.log`), 'utf8')).not.toContain(s);
      } finally {
        await handle.stop();
      }
      expect(handle.failure()).toBeNull();
      // Neither the server nor its PostgreSQL is left running.
      expect(pids.filter(alive)).toEqual([]);
    }, 600_000);
  }
});

if (!ENABLED) {
  describe('declared targets (opt-in)', () => {
    it.skip('set RC_TARGETS_E2E=1 to start palpo and the historical Synapses from the cache', () => {});
  });
}
