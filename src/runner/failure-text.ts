// Failure text in the manner of h2spec: what was checked, the rule, expected against actual, and
// the request that produced it.
import type { ScenarioResult, RuleInfo } from '../model.ts';
import { isBroken } from '../verdict.ts';
import { expectedStatus } from './result.ts';

function short(value: unknown, max = 600): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return 'undefined';
  return text.length > max ? text.slice(0, max) + '…' : text;
}

export function failureText(r: ScenarioResult, rules: ReadonlyMap<string, RuleInfo>): string {
  const expected = expectedStatus(r);
  const head =
    r.unexpected && r.status === 'pass'
      ? `unexpected pass: the deviations file says ${r.deviation?.status.join(' or ') ?? expected}${r.deviation ? ` (${r.deviation.reason})` : ''}; remove the entry`
      : `${r.status}${r.unexpected ? ` (expected ${expected})` : ''}: ${r.message}`;
  const lines = [`${r.id} — ${r.title}`, `  ${r.file}`, `  ${head}`];
  for (const c of r.checks.filter((x) => x.role !== 'record' && isBroken(x.status)).slice(0, 4)) {
    for (const id of c.rules) {
      const rule = rules.get(id);
      lines.push(`  -> ${id} (${rule?.level ?? '?'}): ${rule?.quote ? `"${rule.quote}"` : rule?.text ?? '(unknown rule)'}`);
    }
    lines.push(`     ${c.role === 'precondition' ? 'precondition ' : ''}at ${c.where}: ${c.message ?? c.check}`);
    if (c.expected !== undefined) lines.push(`     Expected: ${short(c.expected)}`);
    if (c.actual !== undefined) lines.push(`       Actual: ${short(c.actual)}`);
    if (c.request) lines.push(`      Request: ${c.request.method} ${c.request.path}${c.request.body !== undefined ? ' ' + short(c.request.body, 200) : ''} -> ${c.request.status ?? '?'}`);
  }
  return lines.join('\n');
}
