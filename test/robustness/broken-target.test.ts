// The CLI against targets that misbehave: it must end on time, within memory, with one line naming
// the URL and the cause (exit 3), and never print or write a secret, whatever the server echoes.
// Run with: npx vitest run --project robustness (README.md here says which need the CLI wiring).
import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFake, type Behaviour, type Fake } from './fakes.ts';
import { runCli, tempDir, expectClean, describeRun, type CliRun } from './cli-run.ts';

const SECRET = `rcPlantedSecret${randomBytes(6).toString('hex')}`;
const START_UP_BOUND_MS = 30_000;
const MEMORY_BOUND_MB = 500;
// A MUST scenario with no /sync wait that a server answering 200 to everything fails (exit 1).
const ONE = ['--only', 'cs.read-markers.fully-read-put-room-refused'];

async function against(behaviour: Behaviour, extra: string[], hardCapMs: number, users?: Record<string, string>): Promise<{ run: CliRun; fake: Fake; reportDir: string }> {
  const fake = await startFake(behaviour, { sharedSecret: SECRET, users });
  const reportDir = tempDir();
  try {
    const run = await runCli(['run', '--target', 'url', '--homeserver', fake.url, '--report-dir', reportDir, ...extra], { hardCapMs, reportDir });
    return { run, fake, reportDir };
  } finally {
    await fake.close();
  }
}

/** Exit 3 within the start-up bound, one message naming the URL, nothing leaked. */
function expectTargetFailure(run: CliRun, fake: Fake, cause: RegExp): void {
  const where = describeRun(run);
  expect(run.killed, where).toBe(false);
  expect(run.code, where).toBe(3);
  expect(run.ms, where).toBeLessThan(START_UP_BOUND_MS);
  expect(run.stderr, where).toContain(fake.url);
  expect(run.stderr, where).toMatch(cause);
  // One short message, not a dump: a few lines at most.
  expect(run.stderr.trim().split('\n').length, where).toBeLessThanOrEqual(6);
  expect(run.stderrBytes, where).toBeLessThan(2_000);
  expect(run.peakMb ?? 0, where).toBeLessThan(MEMORY_BOUND_MB);
  expectClean(run, [SECRET, ...fake.issued]);
}

describe.concurrent('a target that breaks at start-up (exit 3)', () => {
  it('blackhole: accepts connections, never answers', async () => {
    const { run, fake } = await against('blackhole', ['--shared-secret', SECRET, ...ONE], 45_000);
    expectTargetFailure(run, fake, /timeout/i);
  });

  it('trickle: /versions headers, then one byte every 5 s', async () => {
    const { run, fake } = await against('trickle', ['--shared-secret', SECRET, ...ONE], 45_000);
    expectTargetFailure(run, fake, /timeout.*headers and body/i);
  });

  it('HTML instead of JSON, with terminal escapes in it', async () => {
    const { run, fake } = await against('html', ['--shared-secret', SECRET, ...ONE], 45_000);
    expectTargetFailure(run, fake, /does not look like a Matrix homeserver/);
  });

  it('500 on every path, with terminal escapes in the body', async () => {
    const { run, fake } = await against('error500', ['--shared-secret', SECRET, ...ONE], 45_000);
    expectTargetFailure(run, fake, /500/);
  });

  it('garbage bytes instead of HTTP', async () => {
    const { run, fake } = await against('garbage', ['--shared-secret', SECRET, ...ONE], 45_000);
    expectTargetFailure(run, fake, /cannot reach|failed/);
  });

  it('a 200 MB /versions body: cut off at the cap, memory bounded', async () => {
    const { run, fake } = await against('huge', ['--shared-secret', SECRET, ...ONE], 45_000);
    expectTargetFailure(run, fake, /exceeds the \d+ MiB cap/);
    expect(fake.bytesSent, describeRun(run)).toBeLessThan(100 * 1024 * 1024);
  });

  it('/versions answers, then the server goes silent (whole selection)', async () => {
    const { run, fake } = await against('silent-after-versions', ['--shared-secret', SECRET], 40_000);
    expectTargetFailure(run, fake, /timeout/i);
  });

  it('registration answers a 502 HTML page: one message, not one stack trace per scenario', async () => {
    const { run, fake } = await against('registration-broken', ['--shared-secret', SECRET], 40_000);
    expectTargetFailure(run, fake, /regist.*502/i);
  });
});

describe.concurrent('a target that answers but echoes secrets (the run completes)', () => {
  /** Exit 1 (the fake is not conformant), reports written, nothing leaked. */
  function expectRunWithReports(run: CliRun, fake: Fake, planted: string[]): void {
    const where = describeRun(run);
    expect(run.killed, where).toBe(false);
    expect(run.code, where).toBe(1);
    expect([...run.files.keys()], where).toEqual(expect.arrayContaining(['compliance.json', 'compliance.html', 'compliance.md', 'junit.xml']));
    expect(run.peakMb ?? 0, where).toBeLessThan(MEMORY_BOUND_MB);
    // The fake did see the secrets: the test would prove nothing otherwise.
    expect(planted.length, where).toBeGreaterThan(0);
    expectClean(run, planted);
  }

  it('tokens issued at registration and the shared secret, echoed under any key', async () => {
    const { run, fake } = await against('echo', ['--shared-secret', SECRET, ...ONE], 60_000);
    expect(fake.issued.length, describeRun(run)).toBeGreaterThan(0);
    expectRunWithReports(run, fake, [SECRET, ...fake.issued]);
  });

  it('tokens from --users-file, echoed under any key', async () => {
    const dir = tempDir();
    const tokens = [0, 1, 2, 3].map((i) => `usersFileTok${i}x${randomBytes(5).toString('hex')}`);
    const usersFile = join(dir, 'users.yaml');
    writeFileSync(usersFile, tokens.map((t, i) => `- user_id: "@user${i}:fake.test"\n  access_token: ${t}\n`).join(''));
    const { run, fake } = await against('echo', ['--users-file', usersFile, ...ONE], 60_000, Object.fromEntries(tokens.map((t, i) => [t, `@user${i}:fake.test`])));
    expectRunWithReports(run, fake, tokens);
  });

  it('a 200 MB body in the middle of a scenario: the scenario errors, the run ends, memory bounded', async () => {
    const { run, fake } = await against('huge-later', ['--shared-secret', SECRET, ...ONE], 60_000);
    expectRunWithReports(run, fake, [SECRET, ...fake.issued]);
    const report = JSON.parse(run.files.get('compliance.json') ?? '{}');
    expect(report.targets?.[0]?.scenarios?.[0]?.message, describeRun(run)).toMatch(/exceeds the \d+ MiB cap/);
    expect(fake.bytesSent, describeRun(run)).toBeLessThan(100 * 1024 * 1024);
    // The scenario is named again in the closing lines, where a CI log's tail is read.
    expect(run.stdout.trimEnd().split('\n').slice(-3).join('\n'), describeRun(run)).toMatch(/^failed: \S+ \S+: error \(expected pass\): .*exceeds the \d+ MiB cap/m);
  });
});
