// `receipts-conformance diff`: two real reports (test/fixtures/reports/, Synapse then Dendrite),
// and small reports derived from them for the cases the real pair lacks.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runDiff, type DiffIo } from '../src/cli/diff.ts';
import { diffReports, type DiffReport, type DiffScenario } from '../src/report-tools/report-diff.ts';
import { renderDiffMarkdown } from '../src/report-tools/diff-markdown.ts';

const FIXTURES = resolve(import.meta.dirname, 'fixtures/reports');
const SYNAPSE = join(FIXTURES, 'synapse-errors-receipts.json');
const DENDRITE = join(FIXTURES, 'dendrite-errors-private.json');
const tmp = mkdtempSync(join(tmpdir(), 'rc-diff-test-'));

function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const io: DiffIo = { out: (t) => void (out += t), err: (t) => void (err += t) };
  return { code: runDiff(argv, io), out, err };
}

function write(name: string, data: unknown): string {
  const file = join(tmp, name);
  writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
  return file;
}

/** Rows of the Markdown table under a heading (or a <details> summary), as [id, was/status, now]. */
function rows(md: string, heading: string): string[][] {
  const start = md.indexOf(heading);
  if (start < 0) return [];
  const lines = md.slice(start).split('\n').slice(1);
  const table = lines.slice(lines.findIndex((l) => l.startsWith('|')) + 2);
  return table
    .slice(0, table.findIndex((l) => !l.startsWith('|')) >>> 0)
    .map((l) => l.split(' | ').map((c) => c.replace(/^\| /, '').replace(/ \|$/, '')))
    .map(([id, , ...rest]) => [/`([^`]+)`/.exec(id!)![1]!, ...rest.map((c) => c.replace(/\*\*/g, ''))]);
}

function report(targets: Record<string, [string, string, string?][]>): DiffReport {
  return {
    targets: Object.entries(targets).map(([id, list]) => ({
      id,
      scenarios: list.map(([sid, status, level]): DiffScenario => ({ id: sid, status, level: level ?? 'MUST', title: `Title of ${sid}` })),
    })),
  };
}

describe('diff of two real reports', () => {
  it('Synapse then Dendrite: regressions, a fix, new and removed scenarios, exit 1', () => {
    const r = run(SYNAPSE, DENDRITE);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[2]).toBe('**Regressions found**: 4 regressions, 1 fix, 7 new, 18 removed, 0 other changes; 5 unchanged.');
    expect(r.out).toContain('### synapse → dendrite');
    expect(r.out).toContain('`synapse` Synapse 1.163.2 then `dendrite` Dendrite 0.13.8');
    expect(rows(r.out, '#### Regressions')).toEqual([
      ['cs.errors.body-not-an-object', 'pass', 'fail'],
      ['cs.errors.non-member', 'pass', 'fail'],
      ['cs.errors.not-json', 'pass', 'fail'],
      ['cs.errors.unknown-receipt-type', 'pass', 'fail'],
    ]);
    expect(rows(r.out, '#### Fixes')).toEqual([['cs.errors.read-markers-wrong-value-type', 'fail', 'pass']]);
    expect(rows(r.out, '<summary>New scenarios (7)')).toHaveLength(7);
    expect(rows(r.out, '<summary>Removed scenarios (18)').every(([id]) => id!.startsWith('cs.receipts.'))).toBe(true);
  });

  it('the other way round, the fix is the regression', () => {
    const r = run(DENDRITE, SYNAPSE);
    expect(r.code).toBe(1);
    expect(rows(r.out, '#### Regressions')).toEqual([['cs.errors.read-markers-wrong-value-type', 'pass', 'fail']]);
    expect(rows(r.out, '#### Fixes')).toHaveLength(4);
  });

  it('a report against itself: no changes, exit 0', () => {
    const r = run(SYNAPSE, SYNAPSE);
    expect(r.code).toBe(0);
    expect(r.out).toContain('**No regressions**: 0 regressions, 0 fixes, 0 new, 0 removed, 0 other changes; 28 unchanged.');
    expect(r.out).toContain('No changes in 28 scenarios.');
    expect(r.out).not.toContain('####');
  });
});

describe('diff rules', () => {
  it('matches targets by id and ranks regressions by severity, then level', () => {
    const old = report({
      synapse: [['a', 'pass'], ['b', 'pass', 'SHOULD'], ['c', 'pass', 'MAY'], ['d', 'pass'], ['e', 'pass', 'SHOULD'], ['f', 'pass']],
      dendrite: [['a', 'fail']],
    });
    const now = report({
      dendrite: [['a', 'pass']],
      synapse: [['a', 'non-strict'], ['b', 'fail', 'SHOULD'], ['c', 'unsupported', 'MAY'], ['d', 'error'], ['e', 'fail', 'SHOULD'], ['f', 'fail']],
    });
    const d = diffReports(old, now);
    expect(d.targets.map((t) => [t.oldId, t.newId])).toEqual([['synapse', 'synapse'], ['dendrite', 'dendrite']]);
    expect(d.targets[0]!.regressions.map((c) => `${c.id}:${c.now}`)).toEqual(['f:fail', 'b:fail', 'e:fail', 'd:error', 'a:non-strict', 'c:unsupported']);
    expect(d.targets[1]!.fixes.map((c) => c.id)).toEqual(['a']);
  });

  it('changes that are no verdict either way are "other"; a status it does not know is never a regression', () => {
    const d = diffReports(
      report({ t: [['skipped', 'pass'], ['unskipped', 'skip'], ['info', 'info', 'INFO'], ['future', 'pass'], ['same-weight', 'pass']] }),
      report({ t: [['skipped', 'skip'], ['unskipped', 'fail'], ['info', 'pass', 'INFO'], ['future', 'someday'], ['same-weight', 'info']] }),
    );
    expect(d.targets[0]!.other.map((c) => c.id)).toEqual(['future', 'info', 'same-weight', 'skipped', 'unskipped']);
    expect(d.totals.regressions).toBe(0);
  });

  it('a blocked scenario (a planned status) counts like error', () => {
    const d = diffReports(report({ t: [['x', 'pass']] }), report({ t: [['x', 'blocked']] }));
    expect(d.totals.regressions).toBe(1);
  });

  it('several unmatched targets are listed, not paired', () => {
    const d = diffReports(report({ a: [['x', 'pass']], b: [['x', 'pass']] }), report({ c: [['x', 'fail']], d: [['x', 'fail']] }));
    expect(d.targets).toEqual([]);
    const md = renderDiffMarkdown(d, { name: 'old.json', report: report({}) }, { name: 'new.json', report: report({}) });
    expect(md).toContain('Targets only in the old report (not compared): `a`, `b`.');
    expect(md).toContain('No target appears in both reports');
  });

  it('escapes table cells: a pipe, a newline or HTML in a title cannot break the table', () => {
    const old = report({ t: [['x', 'pass']] });
    const now = report({ t: [['x', 'fail']] });
    now.targets[0]!.scenarios[0]!.title = 'a | b\n<script>alert(1)</script>';
    const md = renderDiffMarkdown(diffReports(old, now), { name: 'o', report: old }, { name: 'n', report: now });
    const line = md.split('\n').find((l) => l.startsWith('| `x`'))!;
    expect(line).toBe('| `x` a \\| b &lt;script&gt;alert(1)&lt;/script&gt; | MUST | pass | **fail** |');
  });
});

describe('diff input errors exit 2', () => {
  it.each([
    ['one argument', [SYNAPSE], /expected two reports/],
    ['an unknown option', ['--json', SYNAPSE, DENDRITE], /Unknown option '--json'/],
    ['a missing file', [join(tmp, 'missing.json'), SYNAPSE], /missing\.json: cannot read it \(ENOENT\)/],
    ['a file that is not JSON', [write('bad.json', '{"targets": ['), SYNAPSE], /bad\.json: not JSON/],
    ['JSON that is not a report', [write('shape.json', { targets: [{ id: 'x', scenarios: [{ id: 's' }] }] }), SYNAPSE], /shape\.json: not a compliance report: \/targets\/0\/scenarios\/0 must have required property 'status'/],
    ['a scenario twice in a target', [write('dupe.json', report({ t: [['s', 'pass'], ['s', 'fail']] })), SYNAPSE], /appears twice in one target: t\/s/],
  ])('%s', (_name, argv, message) => {
    const r = run(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
  });

  it('--help prints the usage and exits 0', () => {
    const r = run('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: receipts-conformance diff OLD.json NEW.json');
  });

  it('the fixtures are reports of real runs with no secret in them', () => {
    for (const f of [SYNAPSE, DENDRITE]) {
      const text = readFileSync(f, 'utf8');
      expect(text).not.toMatch(/syt_|access_token|Bearer|shared_secret|password/i);
      const r = JSON.parse(text) as { targets: { kind: string; software: { name: string } }[] };
      expect(['Synapse', 'Dendrite']).toContain(r.targets[0]!.software.name);
    }
  });
});
