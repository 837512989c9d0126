// The npm package as a user gets it: `npm pack` this checkout, install the tarball into an empty
// folder, and run the installed `receipts-conformance` through npx, first for --help, then
// against a real Synapse by URL (the way a user points it at their own server), then with its
// own Synapse target (which reads the templates shipped inside the package).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startSynapseTarget } from '../../src/targets/synapse.ts';
import type { TargetHandle } from '../../src/targets/target.ts';
import type { ComplianceReport } from '../../src/model.ts';

const exec = promisify(execFile);
const REPO = resolve(import.meta.dirname, '..', '..');
const SCENARIO = 'cs.receipts.reaches-other-members';
const INSTALL_TIMEOUT_MS = 5 * 60_000;
const RUN_TIMEOUT_MS = 3 * 60_000;

let work: string;
let consumer: string;
let synapse: TargetHandle | undefined;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in the consumer folder; a non-zero exit is returned, not thrown. */
async function inConsumer(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeout = RUN_TIMEOUT_MS): Promise<Ran> {
  try {
    const r = await exec(cmd, args, { cwd: consumer, env: { ...process.env, ...env }, timeout, maxBuffer: 16 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

function readReport(dir: string): ComplianceReport {
  return JSON.parse(readFileSync(join(dir, 'compliance.json'), 'utf8')) as ComplianceReport;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rc-npx-'));
  consumer = join(work, 'consumer');
  await exec('npm', ['pack', '--silent', '--pack-destination', work], { cwd: REPO, timeout: 60_000 });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  expect(tarball, 'npm pack wrote no tarball').toBeDefined();
  await exec('mkdir', [consumer]);
  writeFileSync(join(consumer, 'package.json'), '{"name":"consumer","private":true}\n');
  const started = performance.now();
  await exec('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', join(work, tarball!)], { cwd: consumer, timeout: INSTALL_TIMEOUT_MS });
  process.stderr.write(`npx test: installed the tarball in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}, INSTALL_TIMEOUT_MS + 60_000);

afterAll(async () => {
  const t = performance.now();
  await synapse?.stop();
  process.stderr.write(`npx test: Synapse stopped in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  if (work) rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('the packed npm package', () => {
  it('ships what it needs and nothing of the tests', () => {
    const root = join(consumer, 'node_modules', 'receipts-conformance');
    const top = readdirSync(root).sort();
    for (const f of ['bin', 'fixtures', 'package.json', 'reporters', 'specs', 'src', 'suites', 'LICENSE', 'README.md']) expect(top).toContain(f);
    expect(top).not.toContain('test');
    expect(top).not.toContain('node_modules');
  });

  it('npx receipts-conformance --help', async () => {
    const r = await inConsumer('npx', ['--no-install', 'receipts-conformance', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage:');
    expect(r.stdout).toContain('receipts-conformance run');
  }, RUN_TIMEOUT_MS);

  it('npx receipts-conformance run --homeserver URL against a real Synapse', async () => {
    synapse = await startSynapseTarget({ reportDir: join(work, 'synapse'), log: (l) => process.stderr.write(`npx test: ${l}\n`) });
    const reportDir = join(work, 'url-report');
    const secret = synapse.registration.mode === 'shared-secret' ? synapse.registration.sharedSecret : '';
    expect(secret).not.toBe('');
    const r = await inConsumer(
      'npx',
      ['--no-install', 'receipts-conformance', 'run', '--homeserver', synapse.baseUrl, '--only', SCENARIO, '--report-dir', reportDir],
      { RC_SHARED_SECRET: secret },
    );
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const report = readReport(reportDir);
    expect(report.targets).toHaveLength(1);
    expect(report.targets[0]!.kind).toBe('url');
    expect(report.targets[0]!.scenarios.map((s) => [s.id, s.status])).toEqual([[SCENARIO, 'pass']]);
    for (const f of readdirSync(reportDir)) {
      if (f.startsWith('compliance.') || f === 'junit.xml') expect(readFileSync(join(reportDir, f), 'utf8')).not.toContain(secret);
    }
  }, RUN_TIMEOUT_MS);

  it('npx receipts-conformance run starts its own Synapse from the installed package', async () => {
    const reportDir = join(work, 'synapse-report');
    const r = await inConsumer('npx', ['--no-install', 'receipts-conformance', 'run', '--only', SCENARIO, '--report-dir', reportDir]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const target = readReport(reportDir).targets[0]!;
    expect(target.kind).toBe('synapse');
    expect(target.deviationsFile).toBe('fixtures/deviations/synapse.yaml');
    expect(target.scenarios.map((s) => [s.id, s.status])).toEqual([[SCENARIO, 'pass']]);
  }, RUN_TIMEOUT_MS);
});
