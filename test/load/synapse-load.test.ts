// The npm-test-sized load run against a real Synapse: 10 users in 3 rooms at 20 receipts/s for
// 10 s, one remote user on the fake federation server, two observers. Every invariant must hold
// and the report must validate; the latency figures are in the report, not asserted here.
import { describe, it, expect } from 'vitest';
import { existsSync, watch } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SYNAPSE_VERSION } from '../../src/targets/synapse.ts';
import { cacheRoot } from '../../src/targets/cache.ts';
import { TEST_LOAD_ARGS, parseLoadOptions, runLoad, type LoadReport } from '../../src/load/index.ts';
import { loadReportValidator } from './schema.ts';

/**
 * Another process may be installing the Synapse venv right now (it writes its marker last). If
 * an install is under way, wait for the marker rather than start a second one in the same place;
 * with no venv at all, the target installs it itself.
 */
async function synapseInstalled(timeoutMs: number): Promise<void> {
  const venv = join(cacheRoot(), `synapse-${process.env.RC_SYNAPSE_VERSION || DEFAULT_SYNAPSE_VERSION}`, 'venv');
  const marker = join(venv, '.receipts-conformance-installed');
  if (existsSync(marker) || !existsSync(venv)) return;
  await new Promise<void>((resolve, reject) => {
    const watcher = watch(venv, () => {
      if (existsSync(marker)) done();
    });
    const timer = setTimeout(() => done(new Error(`Synapse install in ${venv} did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
    const done = (err?: Error) => {
      clearTimeout(timer);
      watcher.close();
      if (err) reject(err);
      else resolve();
    };
    if (existsSync(marker)) done();
  });
}

describe('receipts-conformance load against Synapse', () => {
  it('holds every invariant under the test workload, and writes a valid report with no token in it', async () => {
    await synapseInstalled(300_000);
    const dir = await mkdtemp(join(tmpdir(), 'rc-load-synapse-'));
    const options = parseLoadOptions(['load', ...TEST_LOAD_ARGS, '--target', 'synapse', '--report-dir', dir]);
    const lines: string[] = [];
    const code = await runLoad(options, { log: (l) => lines.push(l), out: (l) => lines.push(l) });
    const json = await readFile(join(dir, 'load-report.json'), 'utf8');
    const html = await readFile(join(dir, 'load-report.html'), 'utf8');
    const report = JSON.parse(json) as LoadReport;
    const validate = await loadReportValidator();
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);

    const [t] = report.targets;
    expect(t!.status, t!.error).toBe('ok');
    for (const inv of t!.invariants) expect(inv.status, `${inv.id}: ${inv.evidence.join('\n')}`).toBe('pass');
    expect(code, lines.join('\n')).toBe(0);
    // Every planned receipt was sent and accepted, locally and over federation.
    const c = t!.counts!;
    expect(c.posted + c.remoteSent).toBe(report.config.plannedReceipts);
    expect(c.accepted + c.remoteAccepted).toBe(report.config.plannedReceipts);
    expect(c.remoteSent).toBeGreaterThan(0);
    expect(t!.latency!.syncDelivery.count).toBeGreaterThan(0);
    expect(t!.latency!.federationDelivery.count).toBeGreaterThan(0);
    expect(t!.cpu?.serverCpuMs).toBeGreaterThan(0);
    for (const text of [json, html, lines.join('\n')]) expect(text).not.toMatch(/syt_[A-Za-z0-9_]+/);
  }, 300_000);
});
