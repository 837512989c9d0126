// Exit codes and messages of the CLI for bad usage, bad scenarios and unreachable servers.
import { describe, it, expect } from 'vitest';
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const BIN = join(import.meta.dirname, '..', 'bin', 'receipts-conformance.js');

function cli(args: string[], timeoutMs = 60_000) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cliAsync(args: string[]): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stderr, ms: Date.now() - started }));
  });
}

describe('receipts-conformance CLI', () => {
  it('prints usage with --help and exits 0', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--homeserver URL');
  });

  it('exits 2 on an unknown option', () => {
    const r = cli(['run', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--bogus'");
  });

  it('exits 2 on a malformed scenario, naming file:line:col', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-cli-'));
    mkdirSync(join(dir, 'mine'));
    writeFileSync(join(dir, 'mine', 'bad.yaml'), 'id: my.own.bad\ntitle: A broken scenario\nrules: [R-CS-06]\nlevel: MUST\nspec: {since: v1.1}\nsteps:\n  - sned: {as: alice}\n');
    const r = cli(['run', '--target', 'url', '--homeserver', 'http://127.0.0.1:9', '--specs', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:7:5: unknown step kind "sned"; expected one of: create_room, join/);
  });

  it('exits 2 on a malformed target file, naming file:line:col of every problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-cli-'));
    writeFileSync(join(dir, 'syntax.yaml'), 'name: x\nversion: "1"\nbogus: [\n');
    const syntax = cli(['run', '--target-file', join(dir, 'syntax.yaml')]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/syntax\.yaml:[34]:\d+: YAML syntax error/);
    writeFileSync(join(dir, 'keys.yaml'), 'name: x\nversion: "1"\nunknown_key: 1\n');
    const keys = cli(['run', '--target-file', join(dir, 'keys.yaml')]);
    expect(keys.code).toBe(2);
    expect(keys.stderr).toMatch(/keys\.yaml:3:1: \(top level\): unknown key "unknown_key"/);
    expect(keys.stderr).toMatch(/keys\.yaml:1:1: \(top level\): missing required key/);
    expect(keys.stderr).not.toContain('internal error');
  });

  it('exits 3 for a refused URL, naming the URL and the cause', () => {
    const r = cli(['run', '--target', 'url', '--homeserver', 'http://127.0.0.1:9']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9: GET http:\/\/127\.0\.0\.1:9\/_matrix\/client\/versions failed: .*ECONNREFUSED/);
  });

  it('exits 3 within 15 s (plus start-up) for a server that accepts but never answers', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      // Start-up (node, tsx, the CLI's imports) on this machine right now: a refused URL exits at once.
      const [baseline, r] = await Promise.all([cliAsync(['run', '--target', 'url', '--homeserver', 'http://127.0.0.1:9']), cliAsync(['run', '--target', 'url', '--homeserver', `http://127.0.0.1:${port}`])]);
      expect(baseline.code).toBe(3);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`cannot reach http://127.0.0.1:${port}`);
      expect(r.stderr).toMatch(/timeout/i);
      expect(r.ms - baseline.ms).toBeLessThan(15_000);
    } finally {
      silent.close();
    }
  }, 60_000);

  it('exits 2 when the selection matches nothing', () => {
    const r = cli(['run', '--target', 'url', '--homeserver', 'http://127.0.0.1:9', '--only', 'no.such.scenario']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no scenario matches');
  });
});
