// JUnit XML for CI test tabs. CI should go red only on surprises, so the verdict that matters
// here is `unexpected`: a known deviation is reported as passing, with a note saying why.

import type { ComplianceReport, ScenarioResult, TargetReport } from '../src/model.ts';
import { expectedStatus, isKnownDeviation, notableChecks, prettyJson } from './common.ts';

const JSON_CHARS = 4000;

/**
 * Escapes for both text and attributes. XML 1.0 cannot carry most control characters even
 * as references, so they are spelled out (\u0001) instead of making the file unparsable.
 */
export function escXml(value: unknown): string {
  return String(value)
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, (c) =>
      `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    )
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Attribute values lose raw newlines/tabs to whitespace normalisation; keep them as references. */
function attr(value: unknown): string {
  return escXml(value).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

type Outcome = 'failure' | 'error' | 'skipped' | 'passed';

function outcome(s: ScenarioResult): Outcome {
  if (s.unexpected && !s.tentative) return s.status === 'error' ? 'error' : 'failure';
  if (s.status === 'skip') return 'skipped';
  return 'passed';
}

const seconds = (ms: number) => (Number.isFinite(ms) ? Math.max(0, ms) / 1000 : 0).toFixed(3);

export function renderJunit(report: ComplianceReport): string {
  const suites = report.targets.map((t) => testsuite(t, report.generatedAt));
  const totals = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const t of report.targets) {
    for (const s of t.scenarios) {
      totals.tests += 1;
      const o = outcome(s);
      if (o === 'failure') totals.failures += 1;
      else if (o === 'error') totals.errors += 1;
      else if (o === 'skipped') totals.skipped += 1;
    }
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="${attr(`${report.suite.name} ${report.suite.version}`)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}" time="${seconds(report.durationMs)}">
${suites.join('\n')}
</testsuites>
`;
}

function testsuite(t: TargetReport, timestamp: string): string {
  const outcomes = t.scenarios.map(outcome);
  const n = (o: Outcome) => outcomes.filter((x) => x === o).length;
  const time = t.scenarios.reduce((sum, s) => sum + (Number.isFinite(s.durationMs) ? s.durationMs : 0), 0);
  const props = [
    ['kind', t.kind],
    ['homeserver', t.homeserver],
    ['software', t.software ? `${t.software.name} ${t.software.version}` : 'unknown'],
    ...(t.deviationsFile ? [['deviations', t.deviationsFile]] : []),
  ];
  return `  <testsuite name="${attr(t.id)}" tests="${t.scenarios.length}" failures="${n('failure')}" errors="${n('error')}" skipped="${n('skipped')}" time="${seconds(time)}" timestamp="${attr(timestamp)}">
    <properties>
${props.map(([k, v]) => `      <property name="${attr(k)}" value="${attr(v)}"/>`).join('\n')}
    </properties>
${t.scenarios.map((s) => testcase(t, s)).join('\n')}
  </testsuite>`;
}

function testcase(t: TargetReport, s: ScenarioResult): string {
  const props = [
    ['status', s.status],
    ['expected', expectedStatus(s)],
    ['level', s.level],
    ['rules', s.rules.join(' ')],
    ...(s.tags.length > 0 ? [['tags', s.tags.join(' ')]] : []),
  ];
  const body = [
    `      <properties>\n${props.map(([k, v]) => `        <property name="${attr(k)}" value="${attr(v)}"/>`).join('\n')}\n      </properties>`,
  ];
  const o = outcome(s);
  if (o === 'failure' || o === 'error') {
    const message = `${s.status} (expected ${expectedStatus(s)}): ${s.message}`;
    body.push(`      <${o} message="${attr(message)}" type="${attr(s.status)}">${escXml(details(s))}</${o}>`);
  } else if (o === 'skipped') {
    body.push(s.message ? `      <skipped message="${attr(s.message)}"/>` : `      <skipped/>`);
  }
  if (isKnownDeviation(s)) {
    const note = `Known deviation: ${s.status}, as the deviations file predicts. Reason: ${s.deviation?.reason ?? 'none given'}\n${details(s)}`;
    body.push(`      <system-out>${escXml(note)}</system-out>`);
  }
  return `    <testcase classname="${attr(`${t.id}.${s.area}`)}" name="${attr(`${s.id} — ${s.title}`)}" time="${seconds(s.durationMs)}" file="${attr(s.file)}">
${body.join('\n')}
    </testcase>`;
}

function details(s: ScenarioResult): string {
  const lines = [s.message];
  for (const f of notableChecks(s)) {
    lines.push('', `[${f.status} ${f.level} ${f.role}] ${f.rules.join(', ')} at ${f.where}: ${f.check}${f.message ? `: ${f.message}` : ''}`);
    if (f.expected !== undefined) lines.push(`expected: ${prettyJson(f.expected, JSON_CHARS)}`);
    if (f.actual !== undefined) lines.push(`actual: ${prettyJson(f.actual, JSON_CHARS)}`);
    if (f.request) lines.push(`request: ${f.request.method} ${f.request.path}${f.request.status !== undefined ? ` -> ${f.request.status}` : ''}`);
  }
  return lines.join('\n');
}
