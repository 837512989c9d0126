// The report the browser test renders: two targets, every verdict the page filters on, and a
// failure with expected, actual and the request, so the page's details can be opened. Built in
// one place so that a change of the model (a new status, a new field) is made here only.
import { summarise } from '../../src/model.ts';
import type { CheckResult, ComplianceReport, Level, ScenarioResult, Status, TargetReport } from '../../src/model.ts';

interface Row {
  id: string;
  level: Level;
  /** Status on each target, in target order. */
  statuses: [Status, Status];
  finding?: CheckResult;
}

const FAILURE: CheckResult = {
  where: 'step 4 sync_until',
  check: 'receipt {"event":"e1","user":"alice"}',
  rules: ['R-RCPT-01'],
  level: 'MUST',
  role: 'assert',
  status: 'fail',
  message: "bob never saw alice's m.read receipt",
  expected: { type: 'm.receipt', content: { $e1: { 'm.read': { '@alice:hs': {} } } } },
  actual: { events: [] },
  request: { method: 'GET', path: '/_matrix/client/v3/sync?timeout=10000&since=s1', status: 200, response: { next_batch: 's2' } },
};

const ROWS: Row[] = [
  { id: 'cs.receipts.reaches-other-members', level: 'MUST', statuses: ['pass', 'fail'], finding: FAILURE },
  { id: 'cs.receipts.clobbers-older', level: 'MUST', statuses: ['pass', 'pass'] },
  { id: 'cs.threads.thread-id-kept', level: 'SHOULD', statuses: ['non-strict', 'pass'] },
  { id: 'cs.errors.non-member-errcode', level: 'INFO', statuses: ['info', 'info'] },
  { id: 'cs.private-receipts.hidden-from-others', level: 'MUST', statuses: ['skip', 'pass'] },
  { id: 'fed.receipts.edu-batched', level: 'MAY', statuses: ['unsupported', 'error'] },
  { id: 'cs.private-receipts.hidden-from-third-user', level: 'MUST', statuses: ['blocked', 'pass'] },
];

function result(row: Row, status: Status): ScenarioResult {
  const area = row.id.split('.')[1] ?? 'receipts';
  const expected: Status = row.level === 'INFO' ? 'info' : 'pass';
  return {
    id: row.id,
    title: `Title of ${row.id}`,
    file: `specs/${row.id.replaceAll('.', '/')}.yaml`,
    area,
    rules: ['R-RCPT-01'],
    level: row.level,
    tags: [],
    status,
    unexpected: status !== expected && status !== 'skip',
    durationMs: 250,
    httpWaitMs: 200,
    message: status === 'fail' ? FAILURE.message! : '',
    checks: status === 'fail' && row.finding ? [row.finding] : [],
  };
}

function target(index: 0 | 1, id: string, kind: TargetReport['kind']): TargetReport {
  const scenarios = ROWS.map((r) => result(r, r.statuses[index]));
  return { id, kind, homeserver: `http://127.0.0.1:${8008 + index}`, software: { name: id, version: '1.0.0' }, summary: summarise(scenarios), scenarios };
}

export function fixtureReport(): ComplianceReport {
  return {
    suite: { name: 'receipts-conformance', version: '0.1.0' },
    spec: { version: 'v1.19' },
    generatedAt: '2025-01-02T03:04:05.678Z',
    durationMs: 1500,
    rules: [{ id: 'R-RCPT-01', text: 'A receipt reaches the other members.', level: 'MUST', section: '11.7', since: 'v1.0', area: 'receipts', testable: true }],
    targets: [target(0, 'synapse', 'synapse'), target(1, 'dendrite', 'dendrite')],
  };
}
