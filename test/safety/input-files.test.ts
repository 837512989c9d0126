// The operator's input files are checked before any request, each problem with file:line:col.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadUsersFile } from '../../src/safety/users-file.ts';
import { loadDeviations } from '../../src/runner/deviations.ts';
import { prepareReportDir } from '../../src/safety/report-dir.ts';
import { redact, clearSecrets } from '../../src/safety/redaction.ts';
import { projectRoot } from '../../src/scenario/schema.ts';
import { ALIAS_BOMB_LIST } from './samples.ts';
import { problemsOf } from './problems.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rc-input-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string | Buffer): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe('users file', () => {
  it('reads a YAML list and a JSON {users: [...]}', () => {
    expect(loadUsersFile(file('u.yaml', '- user_id: "@a:hs"\n  access_token: tok-a-123456\n- {user_id: "@b:hs", access_token: tok-b-123456, device_id: DEV}\n'))).toEqual([
      { user_id: '@a:hs', access_token: 'tok-a-123456' },
      { user_id: '@b:hs', access_token: 'tok-b-123456', device_id: 'DEV' },
    ]);
    expect(loadUsersFile(file('u.json', JSON.stringify({ users: [{ user_id: '@c:hs', access_token: 'tok-c-123456' }] })))).toHaveLength(1);
  });

  it('registers every token for redaction as it reads, even from a rejected file', () => {
    clearSecrets();
    const f = file('bad-u.yaml', '- user_id: not-a-user-id\n  access_token: planted-token-7f3e9a\n');
    const p = problemsOf(() => loadUsersFile(f));
    expect(p).toEqual([`${f}:1:12: user 1: user_id must be a full user ID such as "@alice:example.org"`]);
    expect(redact('server said planted-token-7f3e9a')).toBe('server said <redacted>');
    for (const line of p) expect(line).not.toContain('planted-token-7f3e9a');
  });

  it('names each problem with its position', () => {
    const f = file('many.yaml', '- user_id: "@a:hs"\n- user_id: "@b:hs"\n  access_token: "has space"\n  acces_token: x\n- user_id: "@a:hs"\n  access_token: t2\n- 17\n');
    expect(problemsOf(() => loadUsersFile(f))).toEqual([
      `${f}:1:3: user 1: access_token must be a non-empty string without spaces (missing)`,
      `${f}:4:3: user 2: unknown key "acces_token"; expected user_id, access_token, device_id`,
      `${f}:3:17: user 2: access_token must be a non-empty string without spaces`,
      `${f}:5:12: user 3: @a:hs is listed twice (first as user 1); each user is handed out once`,
      `${f}:7:3: user 4: expected a mapping with user_id and access_token, got a number`,
    ]);
  });

  it('refuses a mapping, an empty list, a missing file, a directory, binary data and an alias bomb', () => {
    expect(problemsOf(() => loadUsersFile(file('map.yaml', 'alice: tok\n')))[0]).toMatch(/map\.yaml:1:1: expected a list of \{user_id, access_token\}/);
    expect(problemsOf(() => loadUsersFile(file('empty.yaml', '[]\n')))[0]).toMatch(/empty\.yaml:1:1: the users file lists no users/);
    expect(problemsOf(() => loadUsersFile(join(dir, 'missing.yaml')))[0]).toMatch(/missing\.yaml: cannot read the users file: no such file or directory/);
    mkdirSync(join(dir, 'udir'));
    expect(problemsOf(() => loadUsersFile(join(dir, 'udir')))[0]).toMatch(/udir: is a directory; expected a users file/);
    expect(problemsOf(() => loadUsersFile(file('u.bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0]))))[0]).toMatch(/u\.bin: is a binary file/);
    expect(problemsOf(() => loadUsersFile(file('ubomb.yaml', ALIAS_BOMB_LIST)))[0]).toMatch(/ubomb\.yaml:2:\d+: YAML aliases expand too far/);
  });
});

describe('deviations file', () => {
  const good = 'server: x\ndeviations:\n  cs.a.b:\n    status: fail\n    reason: a reason long enough\n';

  it('reads a well-formed file, and the project fixtures', () => {
    const dev = loadDeviations(file('good.yaml', good), new Set(['cs.a.b']));
    expect(dev.server).toBe('x');
    expect(Object.keys(dev.byId)).toEqual(['cs.a.b']);
    for (const name of readdirSync(join(projectRoot, 'fixtures/deviations'))) {
      expect(Object.keys(loadDeviations(join(projectRoot, 'fixtures/deviations', name)).byId).length).toBeGreaterThan(0);
    }
    expect(Object.keys(loadDeviations(file('none.yaml', 'deviations: {}\n')).byId)).toEqual([]);
  });

  it('refuses a top-level list, random bytes, an empty file, a directory and a missing file', () => {
    expect(problemsOf(() => loadDeviations(file('list.yaml', '- cs.a.b\n- cs.c.d\n')))[0]).toMatch(/list\.yaml:1:1: \(top level\): must be object/);
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    expect(problemsOf(() => loadDeviations(file('random.yaml', random)))[0]).toMatch(/random\.yaml: is a binary file \(NUL byte at offset \d+\), not a deviations file/);
    expect(problemsOf(() => loadDeviations(file('latin.yaml', Buffer.from('deviations: {caf\xe9: 1}\n', 'latin1'))))[0]).toMatch(/latin\.yaml: is not valid UTF-8 text/);
    expect(problemsOf(() => loadDeviations(file('blank.yaml', '# nothing\n')))[0]).toMatch(/blank\.yaml:\d+:\d+: \(top level\): must be object/);
    mkdirSync(join(dir, 'edir'));
    expect(problemsOf(() => loadDeviations(join(dir, 'edir')))).toEqual([`${join(dir, 'edir')}: is a directory; expected a deviations file`]);
    expect(problemsOf(() => loadDeviations(join(dir, 'gone.yaml')))).toEqual([`${join(dir, 'gone.yaml')}: cannot read the deviations file: no such file or directory`]);
    expect(problemsOf(() => loadDeviations(file('scalar.yaml', 'just words\n')))[0]).toMatch(/scalar\.yaml:1:1: \(top level\): must be object/);
  });

  it('names bad entries with their positions', () => {
    const f = file('bad.yaml', 'deviations:\n  cs.a.b:\n    status: fail\n    reason: a reason long enough\n    note: typo\n');
    expect(problemsOf(() => loadDeviations(f, new Set(['cs.a.b'])))[0]).toMatch(/bad\.yaml:5:5: deviations\.cs\.a\.b: unknown key "note"/);
    const g = file('unknown.yaml', 'deviations:\n  cs.a.z:\n    status: fail\n    reason: a reason long enough\n');
    expect(problemsOf(() => loadDeviations(g, new Set(['cs.a.b'])))[0]).toMatch(/unknown\.yaml:2:3: cs\.a\.z: no scenario has this id/);
  });
});

describe('report folder', () => {
  it('creates a missing folder and accepts an existing writable one', () => {
    const d = join(dir, 'reports', 'nested');
    expect(prepareReportDir(d)).toBe(d);
    expect(prepareReportDir(d)).toBe(d);
    expect(readdirSync(d)).toEqual([]);
  });

  it('refuses a file, a path under a file, /proc and /sys, each in one line', () => {
    const f = file('afile', 'x');
    expect(problemsOf(() => prepareReportDir(f))).toEqual([`--report-dir ${f}: exists and is not a directory`]);
    expect(problemsOf(() => prepareReportDir(join(f, 'sub')))).toEqual([`--report-dir ${join(f, 'sub')}: cannot be used: a parent of this path is a file, not a directory`]);
    expect(problemsOf(() => prepareReportDir('/proc/rc-reports'))[0]).toMatch(/^--report-dir \/proc\/rc-reports: \/proc\/rc-reports is on a pseudo file system \(proc\)/);
    expect(problemsOf(() => prepareReportDir('/sys/kernel/rc'))[0]).toMatch(/pseudo file system \(sys\)/);
  });

  it('refuses a read-only folder (checked by writing, since root ignores permission bits)', () => {
    const d = join(dir, 'readonly');
    mkdirSync(d);
    const asRoot = process.getuid?.() === 0;
    try {
      if (asRoot) execFileSync('chattr', ['+i', d]);
      else chmodSync(d, 0o555);
    } catch {
      return; // no way to make a read-only folder here (chattr needs ext4 and CAP_LINUX_IMMUTABLE)
    }
    try {
      expect(problemsOf(() => prepareReportDir(d))).toEqual([`--report-dir ${d}: is not writable: permission denied`]);
    } finally {
      if (asRoot) execFileSync('chattr', ['-i', d]);
      else chmodSync(d, 0o755);
    }
  });
});
