// The pieces between a run and its exit code: deviations, selection, the spec range, needs, the
// result builder, the failure text and the collector.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Scenario } from '../src/scenario/types.ts';
import type { CheckResult, RuleInfo } from '../src/model.ts';
import { resultFor, expectedStatus } from '../src/runner/result.ts';
import { loadDeviations } from '../src/runner/deviations.ts';
import { selectScenarios, idMatches, inSpecRange, outOfRangeReason } from '../src/runner/selection.ts';
import { failureText } from '../src/runner/failure-text.ts';
import { exitCodeFor, planFor } from '../src/cli/run.ts';
import { ResultCollector } from '../src/cli/collector.ts';
import { ScenarioError } from '../src/scenario/yaml.ts';

function sc(over: Partial<Scenario> = {}): Scenario {
  return { id: 'cs.receipts.x', title: 'A scenario', rules: ['R-CS-06'], level: 'MUST', spec: { since: 'v1.4' }, tags: ['receipts'], needs: [], users: ['a'], guests: [], remote_users: [], steps: [], file: 'x.yaml', area: 'client-server/receipts', stepLines: [], ...over };
}
const broken: CheckResult = { where: 'step 3 sync_until (line 9) until', check: 'receipt {"event":"e"}', rules: ['R-CS-06'], level: 'MUST', role: 'assert', status: 'fail', message: 'not seen', expected: 'a receipt', actual: 'nothing', request: { method: 'GET', path: '/sync', status: 200 } };

describe('deviations decide what is unexpected, and so the exit code', () => {
  it('without a deviation a MUST scenario is expected to pass, an INFO one to be info', () => {
    expect(resultFor(sc(), { status: 'fail', message: 'm' }).unexpected).toBe(true);
    expect(resultFor(sc(), { status: 'pass', message: 'm' }).unexpected).toBe(false);
    expect(resultFor(sc({ level: 'INFO' }), { status: 'info', message: 'm' }).unexpected).toBe(false);
    expect(resultFor(sc(), { status: 'skip', message: 'out of range' }).unexpected).toBe(false);
  });
  it('a deviation makes its status expected, and a pass unexpected; a list is intermittent', () => {
    const dev = { status: ['fail' as const], reason: 'known' };
    expect(resultFor(sc(), { status: 'fail', message: 'm' }, dev)).toMatchObject({ unexpected: false, deviation: { status: ['fail'], reason: 'known' } });
    const pass = resultFor(sc(), { status: 'pass', message: 'm' }, dev);
    expect(pass.unexpected).toBe(true);
    expect(expectedStatus(pass)).toBe('fail');
    const flaky = { status: ['fail' as const, 'pass' as const], reason: 'a race' };
    expect(resultFor(sc(), { status: 'pass', message: 'm' }, flaky).unexpected).toBe(false);
    expect(resultFor(sc(), { status: 'blocked', message: 'm' }, flaky).unexpected).toBe(true);
  });
  it('the exit code: unexpected results with deviations; failures without; tentative never', () => {
    const fail = resultFor(sc(), { status: 'fail', message: 'm', checks: [broken] });
    const known = resultFor(sc(), { status: 'fail', message: 'm', checks: [broken] }, { status: ['fail'], reason: 'known' });
    const tentative = resultFor(sc({ tentative: 'MSC4102' }), { status: 'fail', message: 'm', checks: [broken] });
    const blockedByFail = resultFor(sc(), { status: 'blocked', message: 'm', checks: [{ ...broken, role: 'precondition', rules: ['R-CS-01'] }] }, { status: ['blocked'], reason: 'x' });
    expect(exitCodeFor([known], true)).toBe(0);
    expect(exitCodeFor([fail], true)).toBe(1);
    expect(exitCodeFor([fail], false)).toBe(1);
    expect(exitCodeFor([tentative], true)).toBe(0);
    expect(exitCodeFor([tentative], false)).toBe(0);
    // Without deviations, a precondition that failed is still a failure of its own rule.
    expect(exitCodeFor([blockedByFail], false)).toBe(1);
    expect(exitCodeFor([blockedByFail], true)).toBe(0);
  });
});

describe('deviations files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rc-dev-'));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const problems = (file: string, known?: Set<string>) => {
    try {
      loadDeviations(file, known);
      return [];
    } catch (err) {
      if (err instanceof ScenarioError) return err.problems;
      throw err;
    }
  };
  it('loads a status or a list of statuses with a reason', () => {
    const d = loadDeviations(write('ok.yaml', 'server: x\ndeviations:\n  cs.a.b:\n    status: [fail, pass]\n    reason: a race in the server\n'));
    expect(d.byId['cs.a.b']).toEqual({ status: ['fail', 'pass'], reason: 'a race in the server' });
  });
  it('names the position of a bad status, a missing reason and an unknown id', () => {
    expect(problems(write('s.yaml', 'deviations:\n  cs.a.b:\n    status: broken\n    reason: long enough reason\n')).join('\n')).toMatch(/s\.yaml:3:13: /);
    expect(problems(write('r.yaml', 'deviations:\n  cs.a.b:\n    status: fail\n')).join('\n')).toMatch(/r\.yaml:3:5: .*missing required key "reason"/);
    expect(problems(write('u.yaml', 'deviations:\n  cs.a.c:\n    status: fail\n    reason: long enough reason\n'), new Set(['cs.a.b']))[0]).toMatch(/u\.yaml:2:3: cs\.a\.c: no scenario has this id/);
  });
  it('refuses a top-level list, a directory and a missing file instead of reading them as "no deviations"', () => {
    expect(problems(write('list.yaml', '- cs.a.b\n'))[0]).toMatch(/list\.yaml:1:1: .*must be object/);
    mkdirSync(join(dir, 'adir'), { recursive: true });
    expect(problems(join(dir, 'adir'))[0]).toMatch(/adir: is a directory; expected a deviations file/);
    expect(problems(join(dir, 'missing.yaml'))[0]).toMatch(/missing.yaml: cannot read the deviations file: no such file or directory/);
  });
});

describe('selection and the spec range', () => {
  const all = [sc({ id: 'cs.receipts.a' }), sc({ id: 'cs.receipts-x.b', rules: ['R-PR-01'], tags: ['private-receipts'] }), sc({ id: 'fed.outbound.c', spec: { since: 'r0.0.0', until: 'v1.4' } })];
  it('matches a prefix at a dot, or a glob over the whole id', () => {
    expect(idMatches('cs.receipts.a', 'cs.receipts')).toBe(true);
    expect(idMatches('cs.receipts-x.b', 'cs.receipts')).toBe(false);
    expect(idMatches('cs.receipts-x.b', 'cs.receipts*')).toBe(true);
    expect(idMatches('fed.outbound.c', '*.c')).toBe(true);
    expect(idMatches('fed.outbound.c', 'fed.out')).toBe(false);
  });
  it('selects by --only, --rule and --tag together', () => {
    expect(selectScenarios(all, { only: ['cs.*'], rules: [], tags: [] }).map((s) => s.id)).toEqual(['cs.receipts.a', 'cs.receipts-x.b']);
    expect(selectScenarios(all, { only: [], rules: ['R-PR-01'], tags: [] }).map((s) => s.id)).toEqual(['cs.receipts-x.b']);
    expect(selectScenarios(all, { only: ['cs.*'], rules: [], tags: ['receipts'] }).map((s) => s.id)).toEqual(['cs.receipts.a']);
  });
  it('holds from since, up to but not including until', () => {
    expect(inSpecRange(all[0]!, 'v1.4')).toBe(true);
    expect(inSpecRange(all[0]!, 'v1.3')).toBe(false);
    expect(inSpecRange(all[2]!, 'r0.6.1')).toBe(true);
    expect(inSpecRange(all[2]!, 'v1.4')).toBe(false);
    expect(outOfRangeReason(all[2]!, 'v1.19')).toBe('not part of spec v1.19 (holds r0.0.0 until v1.4)');
  });
  it('plans a skip, with the reason, for the spec range and for a missing capability', () => {
    const fed = sc({ id: 'fed.x.y', needs: ['federation'] });
    const { runnable, skipped } = planFor([all[0]!, all[2]!, fed], 'v1.19', { federation: { ok: false, reason: 'the target cannot reach 127.0.0.1' } });
    expect(runnable.map((s) => s.id)).toEqual(['cs.receipts.a']);
    expect(skipped.get('fed.outbound.c')).toMatch(/not part of spec v1\.19/);
    expect(skipped.get('fed.x.y')).toBe('the target lacks federation (the target cannot reach 127.0.0.1)');
  });
});

describe('failure text', () => {
  it('names the rule with its level and quote, the check, expected, actual and the request', () => {
    const rules = new Map<string, RuleInfo>([['R-CS-06', { id: 'R-CS-06', text: 'Receipts reach clients in /sync.', quote: 'the server MUST send receipts', level: 'MUST', section: 's', since: 'r0.0.0', area: 'CS', testable: true }]]);
    const text = failureText(resultFor(sc(), { status: 'fail', message: 'step 3: not seen', checks: [broken] }), rules);
    expect(text).toContain('fail (expected pass): step 3: not seen');
    expect(text).toContain('-> R-CS-06 (MUST): "the server MUST send receipts"');
    expect(text).toContain('at step 3 sync_until (line 9) until: not seen');
    expect(text).toContain('Expected: a receipt');
    expect(text).toContain('Actual: nothing');
    expect(text).toContain('Request: GET /sync -> 200');
  });
  it('says to remove a stale deviation on an unexpected pass', () => {
    const text = failureText(resultFor(sc(), { status: 'pass', message: 'pass' }, { status: ['fail'], reason: 'synapse#1' }), new Map());
    expect(text).toContain('unexpected pass: the deviations file says fail (synapse#1); remove the entry');
  });
});

describe('the collector', () => {
  it('keeps each verdict from task.meta and prints one line, with detail when unexpected', () => {
    const lines: string[] = [];
    const c = new ResultCollector((l) => lines.push(l));
    const result = resultFor(sc(), { status: 'fail', message: 'm', checks: [broken], durationMs: 12 });
    c.onTestCaseResult({ meta: () => ({ rc: result }), result: () => ({ state: 'failed', errors: [{ message: 'detail line' }] }), name: 'x' } as never);
    c.onTestCaseResult({ meta: () => ({}), result: () => ({ state: 'failed', errors: [{ message: 'worker crashed' }] }), name: 'y' } as never);
    expect(c.results.get('cs.receipts.x')).toBe(result);
    expect(lines[0]).toMatch(/× fail\s+cs\.receipts\.x  12 ms  UNEXPECTED \(expected pass\)/);
    expect(lines[1]).toContain('detail line');
    expect(c.errors).toEqual(['y: worker crashed']);
  });
});
