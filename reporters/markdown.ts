// Markdown for $GITHUB_STEP_SUMMARY. GitHub rejects a step summary over 1 MiB, so the writer
// keeps a byte budget and cuts JSON short; the HTML report carries the full detail.

import type { CheckResult, ComplianceReport, ScenarioResult, TargetReport } from '../src/model.ts';
import { STATUSES, brokenByLevel, expectedStatus, isKnownDeviation, notableChecks, prettyJson, softwareLabel, specVersionsText } from './common.ts';

/** Leaves headroom under GitHub's 1 MiB limit for whatever else the job appends. */
export const MARKDOWN_BUDGET_BYTES = 900 * 1024;
const JSON_CHARS = 1200;

export function renderMarkdown(report: ComplianceReport, budgetBytes = MARKDOWN_BUDGET_BYTES): string {
  const out = new Budget(budgetBytes);
  out.push(`# Matrix read receipts conformance\n\n`);
  out.push(
    `Suite **${inline(report.suite.version)}** · spec **${inline(specVersionsText(report))}** · generated ${inline(report.generatedAt)}\n\n`,
  );
  out.push(summaryTable(report.targets));

  const problems = report.targets.flatMap((t) => t.scenarios.filter((s) => s.unexpected && !s.tentative).map((s) => [t, s] as const));
  out.push(`## Unexpected results and failures\n\n`);
  if (problems.length === 0) out.push(`None: every result matches the deviations files.\n\n`);
  for (const [i, [t, s]] of problems.entries()) {
    if (!out.push(problemEntry(t, s))) {
      out.force(`> ${problems.length - i} more entries omitted to stay under the step-summary size limit; see compliance.html.\n\n`);
      break;
    }
  }

  const known = report.targets.flatMap((t) => t.scenarios.filter(isKnownDeviation).map((s) => [t, s] as const));
  if (known.length > 0) {
    out.push(`## Known deviations\n\n`);
    for (const [i, [t, s]] of known.entries()) {
      const line = `- \`${code(t.id)}\` · \`${code(s.id)}\` — ${s.status}: ${inline(s.deviation?.reason ?? 'no reason given')}\n`;
      if (!out.push(line)) {
        out.force(`- … ${known.length - i} more omitted\n`);
        break;
      }
    }
    out.push('\n');
  }
  const tentative = report.targets.flatMap((t) => t.scenarios.filter((s) => s.tentative).map((s) => [t, s] as const));
  if (tentative.length > 0) {
    out.push(`## Tentative (MSC behaviour; never changes the exit code)\n\n`);
    for (const [t, s] of tentative) if (!out.push(`- \`${code(t.id)}\` · \`${code(s.id)}\` (${inline(s.tentative ?? '')}) — ${s.status}: ${inline(s.message)}\n`)) break;
    out.push('\n');
  }
  return out.text();
}

function summaryTable(targets: readonly TargetReport[]): string {
  const head = ['Target', 'Software', ...STATUSES, 'unexpected', 'total', 'MUST / API / SHOULD checks broken'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const t of targets) {
    const s = t.summary;
    const flag = s.unexpected > 0 ? ` ❗` : '';
    const b = brokenByLevel(t);
    const cells = [`\`${code(t.id).replace(/\|/g, '\\|')}\``, cell(softwareLabel(t)), ...STATUSES.map((st) => String(s[st])), `**${s.unexpected}**${flag}`, String(s.total), `${b.must} / ${b.api} / ${b.should}`];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n\n`;
}

function problemEntry(t: TargetReport, s: ScenarioResult): string {
  const icon = s.status === 'fail' ? '❌' : s.status === 'error' ? '💥' : s.status === 'pass' ? '✅' : '⚠️';
  const rules = s.rules.map((r) => `\`${code(r)}\``).join(', ') || '—';
  const parts = [
    `### ${icon} \`${code(t.id)}\` · \`${code(s.id)}\` — ${inline(s.title)}\n\n`,
    `**${s.status}** (expected ${expectedStatus(s)}) · ${s.level} · rules ${rules}\n\n`,
  ];
  // An unexpected pass means the deviations file is stale, not that the server regressed.
  if (s.status === 'pass') parts.push(`Now passes: remove or update its entry in the deviations file.\n\n`);
  if (s.message) parts.push(`${inline(s.message)}\n\n`);
  for (const f of notableChecks(s)) parts.push(checkEntry(f));
  return parts.join('');
}

function checkEntry(f: CheckResult): string {
  const rules = f.rules.map((r) => `\`${code(r)}\``).join(', ');
  let md = `- **${f.status}** ${f.level} ${f.role} ${rules} — \`${code(f.check)}\`${f.message ? `: ${inline(f.message)}` : ''} _(${inline(f.where)})_\n`;
  if (f.request) md += `  - request: \`${code(`${f.request.method} ${f.request.path}`)}\`${f.request.status !== undefined ? ` → ${f.request.status}` : ''}\n`;
  if (f.expected !== undefined || f.actual !== undefined) {
    md += `\n  Expected:\n${fence(prettyJson(f.expected, JSON_CHARS), '  ')}\n  Actual:\n${fence(prettyJson(f.actual, JSON_CHARS), '  ')}\n`;
  }
  return `${md}\n`;
}

/** A fenced block longer than any backtick run inside, so JSON cannot close it early. */
function fence(text: string, indent: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(Math.max(3, longest + 1));
  const body = text.split('\n').map((l) => indent + l).join('\n');
  return `${indent}${ticks}json\n${body}\n${indent}${ticks}\n`;
}

/** Text for one line: no line breaks, and no HTML that GitHub would render. */
function inline(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/[<>&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&amp;'));
}

/** Inside a `code span`: backticks cannot be escaped, so swap them for a look-alike. */
function code(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/`/g, 'ʼ');
}

function cell(text: string): string {
  return inline(text).replace(/\|/g, '\\|');
}

class Budget {
  private parts: string[] = [];
  private bytes = 0;
  // Room kept for the "omitted" notes pushed with force().
  private readonly reserve = 1024;
  constructor(private readonly limit: number) {}

  /** Appends if it fits; false means the caller should stop adding detail. */
  push(s: string): boolean {
    const n = Buffer.byteLength(s, 'utf8');
    if (this.bytes + n > this.limit - this.reserve) return false;
    this.parts.push(s);
    this.bytes += n;
    return true;
  }

  force(s: string): void {
    this.parts.push(s);
    this.bytes += Buffer.byteLength(s, 'utf8');
  }

  text(): string {
    return this.parts.join('');
  }
}
