// Bad input files and folders stop the CLI with exit 2 and a clear message before it sends a
// single request to the target (the fake counts them), without a stack trace or a dump.
// Run with: npx vitest run --project robustness (README.md here says which need the CLI wiring).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { startFake, type Fake } from './fakes.ts';
import { runCli, tempDir, expectClean, describeRun, type CliRun } from './cli-run.ts';
import { ALIAS_BOMB, ALIAS_BOMB_LIST } from '../safety/samples.ts';

const SECRET = `rcPlantedSecret${randomBytes(6).toString('hex')}`;
const BOUND_MS = 30_000;

let fake: Fake;
let dir: string;
beforeAll(async () => {
  fake = await startFake('counting', { sharedSecret: SECRET });
  dir = tempDir();
});
afterAll(() => fake.close());

function file(name: string, content: string | Buffer): string {
  const f = join(dir, name);
  writeFileSync(f, content);
  return f;
}

/** A scenario folder holding one file. */
function specsWith(name: string, content: string | Buffer): string {
  const d = join(dir, `specs-${name}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, name), content);
  return d;
}

async function cli(args: string[], reportDir = tempDir()): Promise<CliRun> {
  // The fake is shared: it must have seen nothing from this run. Each run gets its own path prefix
  // in the URL so that requests can be told apart.
  const tag = `t${randomBytes(4).toString('hex')}`;
  // One scenario selected: should the CLI wrongly go ahead, it costs seconds, not minutes.
  const run = await runCli(['run', '--target', 'url', '--homeserver', `${fake.url}/${tag}`, '--shared-secret', SECRET, '--report-dir', reportDir, '--only', 'cs.errors.unknown-room', ...args], { hardCapMs: 35_000, reportDir });
  (run as CliRun & { requests: number }).requests = fake.requests.filter((r) => r.includes(`/${tag}/`)).length;
  return run;
}

/** Exit 2 before any request, within the bound, naming what is wrong, in a few lines. */
function expectBadInput(run: CliRun, message: RegExp, maxLines = 6): void {
  const where = describeRun(run);
  expect(run.killed, where).toBe(false);
  expect(run.code, where).toBe(2);
  expect((run as CliRun & { requests: number }).requests, `requests reached the target\n${where}`).toBe(0);
  expect(run.ms, where).toBeLessThan(BOUND_MS);
  expect(run.stderr, where).toMatch(message);
  expect(run.stderr.trim().split('\n').length, where).toBeLessThanOrEqual(maxLines);
  expect(run.stderrBytes, where).toBeLessThan(4_000);
  expect(run.files.has('compliance.json'), where).toBe(false);
  expectClean(run, [SECRET]);
}

describe.concurrent('bad deviations file (exit 2)', () => {
  it('missing', async () => {
    expectBadInput(await cli(['--deviations', join(dir, 'no-such-expectations.yaml')]), /no-such-expectations\.yaml: .*no such file/);
  });

  it('a directory', async () => {
    const d = join(dir, 'exp-dir');
    mkdirSync(d, { recursive: true });
    expectBadInput(await cli(['--deviations', d]), /exp-dir: is a directory/);
  });

  it('a top-level list, not read as "no deviations"', async () => {
    expectBadInput(await cli(['--deviations', file('exp-list.yaml', '- cs.errors.unknown-room\n- cs.errors.not-json\n')]), /exp-list\.yaml:1:1: .*must be object/);
  });

  it('random bytes, not read as "no deviations"', async () => {
    const bytes = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 256));
    expectBadInput(await cli(['--deviations', file('exp-random.yaml', bytes)]), /exp-random\.yaml: .*binary/);
  });

  it('an alias bomb', async () => {
    expectBadInput(await cli(['--deviations', file('exp-bomb.yaml', ALIAS_BOMB)]), /exp-bomb\.yaml:\d+:\d+: .*alias/i);
  });
});

describe.concurrent('bad users file (exit 2)', () => {
  it('missing: found before any request, not inside the test worker', async () => {
    const run = await cli(['--users-file', join(dir, 'no-such-users.yaml')]);
    expectBadInput(run, /no-such-users\.yaml: .*no such file/);
  });

  it('an alias bomb', async () => {
    expectBadInput(await cli(['--users-file', file('users-bomb.yaml', ALIAS_BOMB_LIST)]), /users-bomb\.yaml:\d+:\d+: .*alias/i);
  });

  it('not a list of {user_id, access_token}, with the planted token never printed', async () => {
    const token = `badUsersTok${randomBytes(5).toString('hex')}`;
    const run = await cli(['--users-file', file('users-bad.yaml', `- user_id: alice\n  access_token: ${token}\n`)]);
    expectBadInput(run, /users-bad\.yaml:1:12: .*user_id/);
    expectClean(run, [token]);
  });
});

describe.concurrent('bad scenario files (exit 2)', () => {
  it('an alias bomb', async () => {
    expectBadInput(await cli(['--specs', specsWith('bomb.yaml', ALIAS_BOMB)]), /bomb\.yaml:\d+:\d+: .*alias/i);
  });

  it('a binary file: one line, not a dump', async () => {
    const bytes = Buffer.concat([Buffer.from('id: x\n\x1b[2J'), randomBytes(200_000)]);
    expectBadInput(await cli(['--specs', specsWith('binary.yaml', bytes)]), /binary\.yaml: .*(binary|UTF-8)/, 3);
  });

  it('a syntax error is reported at its real line and column, the list capped', async () => {
    // Flow style throughout, with a bracket left open on line 9: yaml reports many errors.
    const broken = [
      'id: my.flow.broken',
      'title: A scenario written in flow style',
      'rules: [R-CS-06]',
      'level: MUST',
      'spec: {since: v1.1}',
      'users: [alice, bob]',
      'steps: [',
      '  {create_room: {as: alice, room: room, join: [bob]}},',
      '  {send: {as: bob, room: room, event: hello, body: [1, 2, {a: [3, 4}},',
      ...Array.from({ length: 120 }, (_, i) => `  {receipt: {as: alice, room: room, event: hello, type: m.read, expect: {status: [200, ${i}}}},`),
      ']',
    ].join('\n');
    const run = await cli(['--specs', specsWith('flow.yaml', broken)]);
    expectBadInput(run, /flow\.yaml:(?!1:1:)\d+:\d+: YAML syntax error/, 25);
  });
});

describe.concurrent('unusable report folder (exit 2, checked before the run)', () => {
  it('a file', async () => {
    const f = file('report-is-a-file', 'x');
    expectBadInput(await cli([], f), /report-is-a-file: .*not a directory/);
  });

  it('under a file', async () => {
    const f = file('report-parent-file', 'x');
    expectBadInput(await cli([], join(f, 'reports')), /report-parent-file\/reports: .*(not a directory|is a file)/);
  });

  it('read-only', async () => {
    const d = join(dir, 'report-readonly');
    mkdirSync(d, { recursive: true });
    const asRoot = process.getuid?.() === 0;
    try {
      if (asRoot) execFileSync('chattr', ['+i', d]);
      else chmodSync(d, 0o555);
    } catch {
      return; // cannot make a read-only folder on this machine
    }
    try {
      expectBadInput(await cli([], d), /report-readonly: .*(not writable|permission|read-only)/);
    } finally {
      if (asRoot) execFileSync('chattr', ['-i', d]);
      else chmodSync(d, 0o755);
    }
  });

  it('under /proc', async () => {
    expectBadInput(await cli([], `/proc/rc-reports-${randomBytes(3).toString('hex')}`), /\/proc\/rc-reports-\w+: /);
  });
});
