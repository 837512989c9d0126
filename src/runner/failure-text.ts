// Failure text in the manner of h2spec: what was checked, the rule, expected against actual, and
// the request that produced it.
import type { ScenarioResult, RuleInfo } from '../model.ts';

function short(value: unknown, max = 600): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return 'undefined';
  return text.length > max ? text.slice(0, max) + '…' : text;
}

export function failureText(r: ScenarioResult, rules: Map<string, RuleInfo>): string {
  const lines: string[] = [];
  const head = r.unexpected && r.status === 'pass' ? `unexpected pass: the expectations file says ${r.expected}${r.expectationReason ? ` (${r.expectationReason})` : ''}; remove the entry` : `${r.status}${r.unexpected ? ` (expected ${r.expected})` : ''}: ${r.message}`;
  lines.push(`${r.id} — ${r.title}`, `  ${r.file}`, `  ${head}`);
  for (const f of r.findings.filter((f) => f.level !== 'INFO').slice(0, 4)) {
    for (const id of f.rules) lines.push(`  -> ${id}: ${rules.get(id)?.text ?? '(unknown rule)'}`);
    lines.push(`     at ${f.where}: ${f.message}`);
    if (f.expected !== undefined) lines.push(`     Expected: ${short(f.expected)}`);
    if (f.actual !== undefined) lines.push(`       Actual: ${short(f.actual)}`);
    if (f.request) lines.push(`      Request: ${f.request.method} ${f.request.path}${f.request.body !== undefined ? ' ' + short(f.request.body, 200) : ''} -> ${f.request.status ?? '?'}`);
  }
  return lines.join('\n');
}
