// Reading YAML files without a crash, a hang or a flood: aliases, binary data, size, positions.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readYamlFile, parseYamlText } from '../../src/safety/yaml.ts';
import { capProblems } from '../../src/safety/input-error.ts';
import { ALIAS_BOMB, ALIAS_BOMB_LIST } from './samples.ts';
import { problemsOf } from './problems.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rc-yaml-'));
});

describe('safe YAML', () => {
  it('refuses an alias bomb with one positioned line, quickly', () => {
    const f = join(dir, 'bomb.yaml');
    writeFileSync(f, ALIAS_BOMB);
    const started = performance.now();
    const p = problemsOf(() => readYamlFile(f));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/bomb\.yaml:2:\d+: YAML aliases expand too far \(more than 100 alias expansions/);
    expect(problemsOf(() => parseYamlText(ALIAS_BOMB_LIST, 'list.yaml'))[0]).toMatch(/^list\.yaml:2:\d+: YAML aliases expand too far/);
  });

  it('refuses a binary file in one line, without dumping it', () => {
    const f = join(dir, 'bin.yaml');
    writeFileSync(f, Buffer.concat([Buffer.from('id: x\n'), Buffer.from([0, 1, 2, 0xff, 0x1b, 0x5b, 0x32, 0x4a]), Buffer.alloc(100_000, 7)]));
    const p = problemsOf(() => readYamlFile(f));
    expect(p).toEqual([`${f}: is a binary file (NUL byte at offset 6), not a YAML file`]);
  });

  it('refuses invalid UTF-8', () => {
    const f = join(dir, 'latin1.yaml');
    writeFileSync(f, Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(problemsOf(() => readYamlFile(f))).toEqual([`${f}: is not valid UTF-8 text; expected a YAML file`]);
  });

  it('refuses a file over the size cap before reading it', () => {
    const f = join(dir, 'huge.yaml');
    writeFileSync(f, 'a: ' + 'x'.repeat(2 * 1024 * 1024) + '\n');
    expect(problemsOf(() => readYamlFile(f))[0]).toMatch(/huge\.yaml: is 2097156 bytes; a YAML file may have at most 1048576/);
    expect(readYamlFile(f, { maxBytes: 4 * 1024 * 1024 }).data).toMatchObject({ a: expect.any(String) });
  });

  it('names a missing file and a directory', () => {
    expect(problemsOf(() => readYamlFile(join(dir, 'nope.yaml'), {}, 'users file'))).toEqual([`${join(dir, 'nope.yaml')}: cannot read the users file: no such file or directory`]);
    const d = join(dir, 'adir');
    mkdirSync(d);
    expect(problemsOf(() => readYamlFile(d, {}, 'expectations file'))).toEqual([`${d}: is a directory; expected an expectations file`]);
  });

  it('gives the real line and column of a syntax error (flow style)', () => {
    const text = 'id: x\ntitle: broken\nsteps: [\n  {send: {as: alice, room: r}},\n  {receipt: {as: bob\n';
    const p = problemsOf(() => parseYamlText(text, 'broken.yaml'));
    expect(p[0]).not.toMatch(/:1:1:/);
    expect(p[0]).toMatch(/^broken\.yaml:[3-6]:\d+: YAML syntax error: /);
    expect(p.every((l) => !l.includes('\n'))).toBe(true);
  });

  it('gives the position of a block-style error and of a duplicate key', () => {
    expect(problemsOf(() => parseYamlText('a: 1\nb: {c: [1, 2\nd: 3\n', 'f.yaml'))[0]).toMatch(/^f\.yaml:3:1: YAML syntax error: Flow sequence/);
    expect(problemsOf(() => parseYamlText('a: 1\nb: 2\na: 3\n', 'f.yaml'))[0]).toMatch(/^f\.yaml:3:1: YAML syntax error: Map keys must be unique/);
  });

  it('caps the error list of a badly broken file', () => {
    const text = Array.from({ length: 300 }, (_, i) => `k${i}: [${'{'.repeat(3)}a: "b`).join('\n');
    const p = problemsOf(() => parseYamlText(text, 'flood.yaml'));
    expect(p.length).toBeLessThanOrEqual(11);
    expect(p[p.length - 1]).toMatch(/^… and \d+ more problems$/);
  });

  it('at() finds values, keys and the deepest existing node', () => {
    const parsed = parseYamlText('id: x\nsteps:\n  - send: {as: alice}\n  - receipt:\n      as: bob\n', 's.yaml');
    expect(parsed.at(['steps', 1, 'receipt', 'as'])).toBe('s.yaml:5:11');
    expect(parsed.at(['steps', 0, 'send', 'as'])).toBe('s.yaml:3:16');
    expect(parsed.at(['steps', 1, 'receipt', 'as'], true)).toBe('s.yaml:5:7');
    expect(parsed.at(['steps', 1, 'nothing', 'here'])).toBe('s.yaml:4:5');
    expect(parsed.at([])).toBe('s.yaml:1:1');
  });

  it('reads JSON files, tab-indented ones too', () => {
    const f = join(dir, 'u.json');
    writeFileSync(f, '[\n\t{"user_id": "@a:hs", "access_token": "t"}\n]\n');
    expect(readYamlFile(f).data).toEqual([{ user_id: '@a:hs', access_token: 't' }]);
  });

  it('capProblems keeps short lists and summarises long ones', () => {
    expect(capProblems(['a', 'b'], 2)).toEqual(['a', 'b']);
    expect(capProblems(['a', 'b', 'c'], 2)).toEqual(['a', 'b', '… and 1 more problem']);
  });
});

describe('safe YAML: special files', () => {
  it('refuses a named pipe at once instead of waiting for a writer', async () => {
    const { execFileSync } = await import('node:child_process');
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(problemsOf(() => readYamlFile(fifo))).toEqual([`${fifo}: is not a regular file; expected a YAML file`]);
  });

  it('refuses a character device', () => {
    expect(problemsOf(() => readYamlFile('/dev/zero'))).toEqual(['/dev/zero: is not a regular file; expected a YAML file']);
  });
});
