// The comparison as Markdown for a pull request or a job summary: one summary line, then per
// target the tables that have rows. GitHub renders it; it also reads as plain text.
import type { Change, DiffReport, DiffTarget, Present, ReportDiff, TargetDiff } from './report-diff.ts';

export interface Side {
  /** How the report is named in the output, e.g. its path. */
  name: string;
  report: DiffReport;
}

/** Text safe inside a table cell: no pipe or newline breaks the row, no HTML is interpreted. */
function cell(text: string | undefined): string {
  return (text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function summaryLine(d: ReportDiff): string {
  const t = d.totals;
  const parts = [plural(t.regressions, 'regression'), plural(t.fixes, 'fix', 'fixes'), `${t.added} new`, `${t.removed} removed`, plural(t.other, 'other change')];
  const verdict = t.regressions > 0 ? 'Regressions found' : 'No regressions';
  return `**${verdict}**: ${parts.join(', ')}; ${t.unchanged} unchanged.`;
}

function describeSide(s: Side): string {
  const bits = [s.report.generatedAt, s.report.suite?.version && `receipts-conformance ${s.report.suite.version}`, s.report.spec?.version && `spec ${s.report.spec.version}`].filter(Boolean);
  return `${code(s.name)}${bits.length ? ` (${bits.join(', ')})` : ''}`;
}

function software(t: DiffTarget | undefined): string {
  return t?.software ? ` ${t.software.name} ${t.software.version}` : '';
}

function changeTable(rows: Change[]): string[] {
  return ['| scenario | level | was | now |', '|---|---|---|---|', ...rows.map((c) => `| ${code(c.id)} ${cell(c.title)} | ${cell(c.level)} | ${cell(c.was)} | **${cell(c.now)}** |`)];
}

function presentTable(rows: Present[], heading: string): string[] {
  return [`| scenario | level | ${heading} |`, '|---|---|---|', ...rows.map((p) => `| ${code(p.id)} ${cell(p.title)} | ${cell(p.level)} | ${cell(p.status)} |`)];
}

function section(title: string, count: number, table: string[]): string[] {
  return count ? ['', `#### ${title} (${count})`, '', ...table] : [];
}

/** Folded by default: long lists of new or removed scenarios would bury the regressions. */
function folded(title: string, count: number, table: string[]): string[] {
  return count ? ['', `<details><summary>${title} (${count})</summary>`, '', ...table, '', '</details>'] : [];
}

function targetSection(t: TargetDiff, oldSide: Side, newSide: Side): string[] {
  const oldT = oldSide.report.targets.find((x) => x.id === t.oldId);
  const newT = newSide.report.targets.find((x) => x.id === t.newId);
  const heading = t.oldId === t.newId ? `### ${cell(t.oldId)}` : `### ${cell(t.oldId)} → ${cell(t.newId)}`;
  const lines = [heading, ''];
  if (t.oldId !== t.newId) lines.push(`The only target of each report, compared with each other: ${code(t.oldId)}${software(oldT)} then ${code(t.newId)}${software(newT)}.`, '');
  else if (software(oldT) !== software(newT)) lines.push(`Software:${software(oldT) || ' unknown'} then${software(newT) || ' unknown'}.`, '');
  const changed = t.regressions.length + t.fixes.length + t.added.length + t.removed.length + t.other.length;
  lines.push(changed ? `${plural(changed, 'scenario')} changed, ${t.unchanged} unchanged.` : `No changes in ${plural(t.unchanged, 'scenario')}.`);
  lines.push(
    ...section('Regressions', t.regressions.length, changeTable(t.regressions)),
    ...section('Fixes', t.fixes.length, changeTable(t.fixes)),
    ...folded('New scenarios', t.added.length, presentTable(t.added, 'status')),
    ...folded('Removed scenarios', t.removed.length, presentTable(t.removed, 'was')),
    ...folded('Other status changes', t.other.length, changeTable(t.other)),
  );
  return lines;
}

export function renderDiffMarkdown(d: ReportDiff, oldSide: Side, newSide: Side): string {
  const lines = ['## Read-receipt conformance: changes', '', summaryLine(d), '', `Old: ${describeSide(oldSide)}  `, `New: ${describeSide(newSide)}`];
  for (const t of d.targets) lines.push('', ...targetSection(t, oldSide, newSide));
  if (d.onlyOld.length) lines.push('', `Targets only in the old report (not compared): ${d.onlyOld.map(code).join(', ')}.`);
  if (d.onlyNew.length) lines.push('', `Targets only in the new report (not compared): ${d.onlyNew.map(code).join(', ')}.`);
  if (!d.targets.length) lines.push('', 'No target appears in both reports, so nothing was compared.');
  return `${lines.join('\n')}\n`;
}
