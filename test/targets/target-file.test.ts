// The target-file loader: shipped files load, and every malformed file is reported as
// file:line:col with what was expected. Also the install bookkeeping (marker, lock) on a
// `command` install that only writes files.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadTargetFile, TargetFileError } from '../../src/targets/declarative.ts';
import { renderTemplateFile, RenderError } from '../../src/targets/declared/render.ts';
import { ensureInstalled, MARKER } from '../../src/targets/declared/install.ts';
import { acquireLock } from '../../src/targets/declared/lock.ts';
import { findPython } from '../../src/targets/declared/run-logged.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'targets');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rc-target-file-'));
});
const savedCache = process.env.RC_CACHE_DIR;
afterAll(() => {
  if (savedCache === undefined) delete process.env.RC_CACHE_DIR;
  else process.env.RC_CACHE_DIR = savedCache;
  rmSync(dir, { recursive: true, force: true });
});

const MINIMAL = `name: demo
version: "1.0"
install:
  command:
    argv: ["true"]
start:
  argv: ["{{install_dir}}/bin/demo", "--port", "{{port}}"]
ready:
  log: "listening"
registration:
  mode: open
`;

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function problems(text: string): string[] {
  const file = write(`t${Math.random().toString(16).slice(2)}.yaml`, text);
  try {
    loadTargetFile(file);
  } catch (err) {
    expect(err).toBeInstanceOf(TargetFileError);
    return (err as TargetFileError).problems.map((p) => p.replace(file, 'F'));
  }
  throw new Error('loaded without error');
}

describe('target files', () => {
  it('loads every shipped target file', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'));
    expect(files).toEqual(expect.arrayContaining(['palpo.yaml', 'synapse-1.0.0.yaml', 'synapse-1.60.0.yaml']));
    for (const f of files) {
      const spec = loadTargetFile(join(FIXTURES, f));
      expect(spec.file).toBe(join(FIXTURES, f));
    }
    const palpo = loadTargetFile(join(FIXTURES, 'palpo.yaml'));
    expect(palpo.install.cargo?.crate).toBe('palpo');
    expect(palpo.services?.[0]?.postgres?.version).toBe(15);
  });

  it('loads a minimal file', () => {
    const spec = loadTargetFile(write('minimal.yaml', MINIMAL));
    expect(spec.name).toBe('demo');
    expect(spec.registration.mode).toBe('open');
  });

  it('reports a YAML syntax error at its line and column', () => {
    const [p] = problems('name: demo\nversion: [1\n');
    expect(p).toMatch(/^F:\d+:\d+: YAML syntax error/);
  });

  it('rejects an unknown key at the key, listing the allowed ones', () => {
    const p = problems(MINIMAL.replace('  mode: open\n', '  mode: open\n  colour: red\n'));
    expect(p).toEqual(['F:12:3: registration: unknown key "colour"; expected one of: mode, secret, argv, users']);
  });

  it('rejects an unknown top-level key', () => {
    const p = problems(`${MINIMAL}startup: fast\n`);
    expect(p[0]).toMatch(/^F:12:1: \(top level\): unknown key "startup"; expected one of: name, version, .*install/);
  });

  it('says which required key is missing, and where', () => {
    const p = problems(MINIMAL.replace('ready:\n  log: "listening"\n', ''));
    expect(p).toEqual(['F:1:1: (top level): missing required key "ready"']);
  });

  it('says what type was expected', () => {
    const p = problems(MINIMAL.replace('version: "1.0"', 'version: 1.0'));
    expect(p[0]).toMatch(/^F:2:10: version: must be string \(got 1\)/);
  });

  it('names the allowed values of an enum', () => {
    const p = problems(MINIMAL.replace('mode: open', 'mode: magic'));
    expect(p).toEqual(['F:11:9: registration.mode: "magic" is not allowed; expected one of: "shared-secret", "open", "command"']);
  });

  it('wants exactly one install kind', () => {
    const p = problems(MINIMAL.replace('install:\n', 'install:\n  go: {module: example.org/x, packages: [cmd/x]}\n'));
    expect(p).toEqual(['F:4:3: install: expected exactly one of cargo, pip, uv, go, command; got 2']);
  });

  it('reports an unknown placeholder where it is used', () => {
    const p = problems(MINIMAL.replace('"{{port}}"', '"{{prot}}"'));
    expect(p[0]).toMatch(/^F:7:48: start\.argv\[2\]: unknown placeholder \{\{prot\}\}; known here: .*port/);
  });

  it('knows secrets and postgres placeholders only when declared', () => {
    expect(problems(MINIMAL.replace('"--port"', '"{{secret.token}}"'))[0]).toMatch(/unknown placeholder \{\{secret\.token\}\}/);
    expect(problems(MINIMAL.replace('"--port"', '"{{postgres.url}}"'))[0]).toMatch(/unknown placeholder \{\{postgres\.url\}\}/);
    const ok = MINIMAL.replace('"--port"', '"{{secret.token}}", "{{postgres.url}}"') + 'secrets:\n  token: {}\nservices:\n  - postgres: {}\n';
    expect(loadTargetFile(write('ok-placeholders.yaml', ok)).secrets).toEqual({ token: {} });
  });

  it('checks the shared-secret mode has a secret, the regex compiles and templates exist', () => {
    const p = problems(MINIMAL.replace('mode: open', 'mode: shared-secret').replace('log: "listening"', 'log: "(("') + 'config:\n  - {template: nothing-here.toml, to: x.toml}\n');
    expect(p).toHaveLength(3);
    expect(p[0]).toMatch(/^F:11:3: registration: mode shared-secret needs "secret"/);
    expect(p[1]).toMatch(/^F:9:8: ready\.log: not a valid regular expression/);
    expect(p[2]).toMatch(/^F:13:16: config\[0\]\.template: no such file .*nothing-here\.toml/);
  });

  it('allows exclude_newer only for uv', () => {
    const pip = MINIMAL.replace('  command:\n    argv: ["true"]\n', '  pip:\n    packages: [x==1]\n    exclude_newer: "2022-06-20"\n');
    expect(problems(pip)).toEqual([expect.stringMatching(/^F:6:5: install\.pip: exclude_newer needs the uv installer/)]);
    expect(loadTargetFile(write('uv.yaml', pip.replace('  pip:', '  uv:'))).install.uv?.exclude_newer).toBe('2022-06-20');
  });
});

describe('templates', () => {
  it('fills placeholders and reports an unknown one at its line and column', () => {
    const t = write('conf.toml', 'a = "{{port}}"\nb = "{{data_dir}}/x"\n');
    expect(renderTemplateFile(t, { port: '1', data_dir: '/d' })).toBe('a = "1"\nb = "/d/x"\n');
    const bad = write('bad.toml', 'a = 1\n  b = "{{nope}}"\n');
    expect(() => renderTemplateFile(bad, { port: '1' })).toThrow(RenderError);
    expect(() => renderTemplateFile(bad, { port: '1' })).toThrow(/bad\.toml:2:8: unknown placeholder \{\{nope\}\}/);
  });
});

describe('install bookkeeping', () => {
  const counterSpec = (counter: string, argv: string[]) => ({
    name: 'counter',
    version: '1',
    install: { command: { argv, creates: ['{{install_dir}}/made'] } },
    start: { argv: ['x'] },
    ready: { log: 'x' },
    registration: { mode: 'open' as const },
    file: join(dir, 'counter.yaml'),
    counter,
  });

  it('installs once when two callers race, and writes the marker last', async () => {
    process.env.RC_CACHE_DIR = join(dir, 'cache');
    const counter = join(dir, 'runs.txt');
    const spec = counterSpec(counter, ['sh', '-c', `echo run >> ${counter}; touch {{install_dir}}/made`]);
    const [a, b] = await Promise.all([ensureInstalled(spec, '1', () => {}), ensureInstalled(spec, '1', () => {})]);
    expect(a.dir).toBe(b.dir);
    expect(readFileSync(counter, 'utf8')).toBe('run\n');
    expect(existsSync(join(a.dir, MARKER))).toBe(true);
    expect((await ensureInstalled(spec, '1', () => {})).installMs).toBeUndefined();
  });

  it('redoes an install that failed, and says what failed', async () => {
    process.env.RC_CACHE_DIR = join(dir, 'cache2');
    const flag = join(dir, 'fail-once');
    writeFileSync(flag, '');
    const spec = counterSpec('', ['sh', '-c', `if [ -e ${flag} ]; then echo broken >&2; exit 7; fi; touch {{install_dir}}/made`]);
    await expect(ensureInstalled(spec, '1', () => {})).rejects.toThrow(/^sh failed \(7\); full output in .*install\.log:\nbroken/);
    rmSync(flag);
    const ok = await ensureInstalled(spec, '1', () => {});
    expect(ok.installMs).toBeGreaterThan(0);
  });

  it('a second lock holder waits for the first to release', async () => {
    const lockFile = join(dir, 'x.lock');
    const first = await acquireLock(lockFile, 5_000);
    let secondHas = false;
    const second = acquireLock(lockFile, 5_000).then((l) => ((secondHas = true), l));
    await new Promise((r) => setTimeout(r, 300));
    expect(secondHas).toBe(false);
    await first.release();
    await (await second).release();
    expect(secondHas).toBe(true);
  });

  it('explains a missing Python version', () => {
    expect(() => findPython('2.1', join(dir, 'no-home'))).toThrow(/Python 2\.1 is needed but neither python2\.1 on PATH nor .*\.pyenv\/versions\/2\.1\.\* exists/);
  });
});

describe('command registration', () => {
  it('makes users up front with the command and hands them over as a users file', async () => {
    const { usersFromCommand } = await import('../../src/targets/declarative.ts');
    const argv = ['sh', '-c', 'echo noise; printf \'{"user_id":"@%s:x","access_token":"t-%s"}\\n\' "$1" "$1"', 'sh', '{{localpart}}'];
    const file = await usersFromCommand(argv, 3, {}, dir, process.env);
    const users = JSON.parse(readFileSync(file, 'utf8')) as { user_id: string; access_token: string }[];
    expect(users).toHaveLength(3);
    expect(users[2]!.user_id).toMatch(/^@rc[0-9a-f]{6}_u2:x$/);
    expect(users[2]!.access_token).toBe(`t-${users[2]!.user_id.slice(1, -2)}`);
  });

  it('says what the command printed when it is not a user', async () => {
    const { usersFromCommand } = await import('../../src/targets/declarative.ts');
    await expect(usersFromCommand(['echo', 'registered {{localpart}}'], 1, {}, dir, process.env)).rejects.toThrow(/should print one JSON object \{user_id, access_token\}; its last line was: registered rc/);
  });
});
