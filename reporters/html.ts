// The human report: one self-contained page (CI artefacts are often opened offline or from a
// sandboxed viewer, so nothing is fetched). Everything from the report goes through esc().

import type { CheckResult, ComplianceReport, RequestRecord, RuleInfo, ScenarioResult, Status, TargetReport } from '../src/model.ts';
import {
  LEGEND,
  LEVELS,
  LEVEL_LEGEND,
  STATUSES,
  brokenByLevel,
  expectedStatus,
  formatMs,
  hasDetail,
  isKnownDeviation,
  matrixRows,
  notableChecks,
  prettyJson,
  ruleVerdicts,
  softwareLabel,
  specVersionsText,
  type ScenarioRow,
} from './common.ts';
import { CSS, SCRIPT } from './html-assets.ts';

export function esc(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}


export function renderHtml(report: ComplianceReport): string {
  const title = `Read receipts conformance — ${report.suite.name} ${report.suite.version}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Matrix read receipts conformance</h1>
<dl class="meta">
<dt>Suite</dt><dd>${esc(report.suite.name)} ${esc(report.suite.version)}</dd>
<dt>Spec version tested</dt><dd>${esc(specVersionsText(report))}</dd>
<dt>Generated</dt><dd><time datetime="${esc(report.generatedAt)}">${esc(report.generatedAt)}</time></dd>
<dt>Duration</dt><dd>${esc(formatMs(report.durationMs))}</dd>
</dl>
<div class="targets">${report.targets.map(targetCard).join('\n')}</div>
</header>
<main>
${legend()}
${filters(report)}
${matrix(report)}
${rulesTable(report)}
${levelTable(report)}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function badge(status: Status | 'untested' | 'absent', label: string = status): string {
  return `<span class="badge s-${esc(status)}">${esc(label)}</span>`;
}

/** Plain-language bottom line, so a reader need not add up the counts. */
function bottomLine(t: TargetReport): string {
  const s = t.summary;
  const b = brokenByLevel(t);
  if (s.fail > 0) return `Not conformant: ${b.must} prose MUST and ${b.api} API check${b.api === 1 ? '' : 's'} failed, in ${s.fail} scenario${s.fail === 1 ? '' : 's'}`;
  if (s.error > 0) return `Incomplete: ${s.error} scenario${s.error === 1 ? '' : 's'} errored`;
  if (s['non-strict'] > 0) return `Conformant, with ${s['non-strict']} SHOULD unmet`;
  return 'Conformant';
}

function targetCard(t: TargetReport): string {
  const s = t.summary;
  const counts = STATUSES.map((st) => `<li${s[st] === 0 ? ' class="zero"' : ''}>${badge(st)} ${s[st]}</li>`).join('');
  const startup = t.startup ? `<dt>Startup</dt><dd>${esc(formatMs(t.startup.ms))} (${t.startup.cold ? 'cold' : 'warm'})</dd>` : '';
  const deviations = t.deviationsFile ? `<dt>Deviations</dt><dd><code>${esc(t.deviationsFile)}</code></dd>` : '';
  const limited = t.scenarios.reduce((n, x) => ({ count: n.count + (x.rateLimited?.count ?? 0), waitedMs: n.waitedMs + (x.rateLimited?.waitedMs ?? 0) }), { count: 0, waitedMs: 0 });
  const rate = limited.count ? `<dt>429s</dt><dd>${limited.count} answered M_LIMIT_EXCEEDED; the suite waited ${esc(formatMs(limited.waitedMs))} as asked</dd>` : '';
  const versions = `${t.specVersion ? `<dt>Spec</dt><dd>${esc(t.specVersion)}</dd>` : ''}${t.roomVersion ? `<dt>Room version</dt><dd>${esc(t.roomVersion)}</dd>` : ''}`;
  const missing = Object.entries(t.capabilities ?? {}).filter(([, c]) => !c.ok);
  const caps = missing.length ? `<dt>Missing</dt><dd>${missing.map(([k, c]) => `${esc(k)}: ${esc(c.reason ?? '')}`).join('<br>')}</dd>` : '';
  return `<section class="target" data-target="${esc(t.id)}">
<h2>${esc(t.id)}</h2>
<p class="bottom-line ${s.fail > 0 ? 'bad' : s.error > 0 ? 'warn' : 'good'}">${esc(bottomLine(t))}</p>
<dl class="meta">
<dt>Kind</dt><dd>${esc(t.kind)}</dd>
<dt>Homeserver</dt><dd><code>${esc(t.homeserver)}</code></dd>
<dt>Software</dt><dd>${esc(softwareLabel(t))}</dd>
${versions}${startup}${deviations}${caps}${rate}
</dl>
<ul class="counts">${counts}<li${s.unexpected === 0 ? ' class="zero"' : ''}><span class="badge unexpected-badge">unexpected</span> ${s.unexpected}</li><li>total ${s.total}</li></ul>
</section>`;
}

function legend(): string {
  const rows = STATUSES.map((st) => `<dt>${badge(st)}</dt><dd>${esc(LEGEND[st])}</dd>`).join('\n');
  const levels = LEVELS.map((l) => `<dt><b>${esc(l)}</b></dt><dd>${esc(LEVEL_LEGEND[l])}</dd>`).join('\n');
  return `<section id="legend">
<h2>How to read this</h2>
<dl class="legend">
${rows}
<dt><span class="mark-unexpected">!</span> unexpected</dt><dd>The result differs from the target's deviations file: either a regression or an entry to update. These are what make CI red.</dd>
<dt><span class="mark-known">≈</span> known deviation</dt><dd>A known departure from the spec, listed in the deviations file with its reason (shown when you open the cell).</dd>
<dt>${badge('untested')}</dt><dd>(Rules table) No check standing for this rule ran.</dd>
<dt>tentative</dt><dd>Behaviour of an MSC that clients rely on before the spec has it. Reported apart; never changes the exit code.</dd>
</dl>
<h3>Levels</h3>
<dl class="legend">
${levels}
</dl>
</section>`;
}

function filters(report: ComplianceReport): string {
  const areas = [...matrixRows(report.targets).keys()];
  const opt = (v: string) => `<option value="${esc(v)}">${esc(v)}</option>`;
  return `<section id="filters" aria-label="Filters">
<label>Level <select id="filter-level"><option value="">all</option>${LEVELS.map(opt).join('')}</select></label>
<label>Area <select id="filter-area"><option value="">all</option>${areas.map(opt).join('')}</select></label>
<label>Verdict <select id="filter-status"><option value="">all</option>${STATUSES.map(opt).join('')}</select></label>
<label><input type="checkbox" id="filter-unexpected"> only unexpected</label>
<span id="filter-count" aria-live="polite"></span>
</section>`;
}

function matrix(report: ComplianceReport): string {
  const head = report.targets
    .map((t) => `<th scope="col" class="target-col" data-target="${esc(t.id)}">${esc(t.id)}<br><small>${esc(softwareLabel(t))}</small></th>`)
    .join('');
  const colspan = 3 + report.targets.length;
  const body: string[] = [];
  for (const [area, rows] of matrixRows(report.targets)) {
    body.push(`<tr class="area-row" data-area-header="${esc(area)}"><th colspan="${colspan}" scope="rowgroup">${esc(area)}</th></tr>`);
    for (const row of rows) body.push(matrixRow(row, report.targets));
  }
  return `<section id="results">
<h2>Results by scenario</h2>
<table id="matrix" class="filterable">
<thead><tr><th scope="col">Scenario</th><th scope="col">Level</th><th scope="col">Rules</th>${head}</tr></thead>
<tbody>
${body.join('\n')}
</tbody>
</table>
</section>`;
}

function matrixRow(row: ScenarioRow, targets: readonly TargetReport[]): string {
  const present = row.cells.filter((c): c is ScenarioResult => c !== undefined);
  // A row carries every status it shows, space separated, so [data-status~="fail"] finds it.
  const statuses = [...new Set(present.map((c) => c.status))].join(' ');
  const unexpected = present.some((c) => c.unexpected);
  const cells = row.cells.map((c, i) => matrixCell(c, targets[i]?.id ?? '')).join('');
  return `<tr class="scenario" data-scenario="${esc(row.id)}" data-level="${esc(row.level)}" data-area="${esc(row.area)}" data-status="${esc(statuses)}" data-unexpected="${unexpected}">
<th scope="row"><code>${esc(row.id)}</code><br><span class="title">${esc(row.title)}</span></th>
<td>${esc(row.level)}</td>
<td class="rules">${row.rules.map((r) => `<code>${esc(r)}</code>`).join(' ')}</td>
${cells}</tr>`;
}

function matrixCell(s: ScenarioResult | undefined, target: string): string {
  if (!s) return `<td class="cell s-absent" data-target="${esc(target)}" data-status="">—</td>`;
  const known = isKnownDeviation(s);
  const marks =
    (s.unexpected ? ` <span class="mark-unexpected" title="unexpected: expected ${esc(expectedStatus(s))}">!</span>` : '') +
    (known ? ` <span class="mark-known" title="expected deviation">≈</span>` : '');
  const classes = ['cell', `s-${s.status}`, s.unexpected ? 'unexpected' : '', known ? 'known' : ''].filter(Boolean).join(' ');
  const attrs = `class="${classes}" data-target="${esc(target)}" data-status="${esc(s.status)}" data-unexpected="${s.unexpected}"`;
  const label = `${esc(s.status)}${marks}`;
  if (!hasDetail(s) && !s.unexpected && !known) {
    return `<td ${attrs} title="${esc(s.message || s.status)}">${label}</td>`;
  }
  return `<td ${attrs}><details><summary>${label}</summary>${cellDetail(s, known)}</details></td>`;
}

function cellDetail(s: ScenarioResult, known: boolean): string {
  const parts: string[] = [];
  if (s.unexpected) parts.push(`<p class="note unexpected-note">Unexpected: expected <b>${esc(expectedStatus(s))}</b>.</p>`);
  if (known) parts.push(`<p class="note known-note">Known deviation (${esc(s.deviation?.status.join(' or ') ?? '')}): ${esc(s.deviation?.reason ?? 'no reason given')}</p>`);
  if (s.message) parts.push(`<p class="message">${esc(s.message)}</p>`);
  parts.push(`<p class="where"><small>${esc(s.file)} · ${esc(formatMs(s.durationMs))}</small></p>`);
  parts.push(...notableChecks(s).map(checkHtml));
  if (s.transcript?.length) parts.push(transcriptHtml(s.transcript));
  if (s.reproducer) parts.push(`<details class="reproducer"><summary>Reproduce with curl</summary><pre>${esc(s.reproducer)}</pre></details>`);
  return parts.join('\n');
}

function transcriptHtml(list: readonly RequestRecord[]): string {
  const lines = list.map((r) => `${r.method} ${r.path} -> ${r.status ?? '?'}${r.body !== undefined ? `\n  body: ${prettyJson(r.body, 400)}` : ''}\n  answer: ${prettyJson(r.response, 600)}`);
  return `<details class="transcript"><summary>Transcript (${list.length} requests)</summary><pre>${esc(lines.join('\n'))}</pre></details>`;
}

function checkHtml(f: CheckResult): string {
  // Records usually carry only what was seen; label it so rather than "Expected: undefined".
  const sides: [string, unknown][] =
    f.expected === undefined ? (f.actual === undefined ? [] : [['Observed', f.actual]]) : [['Expected', f.expected], ['Actual', f.actual]];
  const comparison = sides.length
    ? `<div class="compare">${sides.map(([h, v]) => `<div><h4>${h}</h4><pre>${esc(prettyJson(v))}</pre></div>`).join('')}</div>`
    : '';
  return `<div class="check level-${esc(f.level)}">
<p>${badge(f.status)} <b>${esc(f.level)}</b> ${f.rules.map((r) => `<code>${esc(r)}</code>`).join(' ')} <span class="role">${esc(f.role)}</span> <small>${esc(f.where)}</small></p>
<p><code>${esc(f.check)}</code>${f.message ? ` — ${esc(f.message)}` : ''}</p>
${comparison}${f.request ? requestHtml(f.request) : ''}
</div>`;
}

function requestHtml(r: RequestRecord): string {
  const body = r.body !== undefined ? `<h4>Request body</h4><pre>${esc(prettyJson(parsedIfJson(r.body)))}</pre>` : '';
  const response =
    r.response !== undefined
      ? `<h4>Response${r.status !== undefined ? ` (${esc(r.status)})` : ''}</h4><pre>${esc(prettyJson(parsedIfJson(r.response)))}</pre>`
      : '';
  const status = r.status !== undefined && r.response === undefined ? ` → ${esc(r.status)}` : '';
  return `<div class="request"><h4>Request</h4><p><code>${esc(r.method)} ${esc(r.path)}</code>${status}</p>${body}${response}</div>`;
}

/** Bodies are sometimes kept as raw text; JSON text reads better re-indented. */
function parsedIfJson(value: unknown): unknown {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function rulesTable(report: ComplianceReport): string {
  const perTarget = report.targets.map(ruleVerdicts);
  // Rules cited but missing from the catalogue are shown too: usually a typo in a scenario.
  const known = new Set(report.rules.map((r) => r.id));
  const strays = [...new Set(perTarget.flatMap((m) => [...m.keys()]))].filter((id) => !known.has(id)).sort();
  const rows = [
    ...report.rules.map((rule) => ruleRow(rule, perTarget, report.targets.length)),
    ...strays.map((id) => ruleRow(undefined, perTarget, report.targets.length, id)),
  ];
  const head = report.targets.map((t) => `<th scope="col" data-target="${esc(t.id)}">${esc(t.id)}</th>`).join('');
  return `<section id="rules">
<h2>Results by rule</h2>
<p>Each cell is the worst verdict among the checks that stand for the rule and ran (error &gt; fail &gt; blocked &gt; non-strict &gt; unsupported &gt; info &gt; pass &gt; skip).</p>
<table id="rules-table" class="filterable">
<thead><tr><th scope="col">Rule</th><th scope="col">Level</th><th scope="col">Text</th><th scope="col">Since</th><th scope="col">Section</th>${head}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</section>`;
}

function ruleRow(rule: RuleInfo | undefined, perTarget: Map<string, Status>[], targetCount: number, strayId = ''): string {
  const id = rule?.id ?? strayId;
  const verdicts = perTarget.map((m) => m.get(id) ?? 'untested');
  const untestable = rule !== undefined && !rule.testable;
  let cells: string;
  if (untestable && verdicts.every((v) => v === 'untested')) {
    // One spanning note reads better than the same reason repeated per target.
    cells = `<td colspan="${targetCount}" class="untestable">not testable: ${esc(rule.why ?? 'no reason given')}</td>`;
  } else {
    cells = verdicts.map((v) => `<td class="cell s-${esc(v)}" data-status="${esc(v)}">${esc(v)}</td>`).join('');
  }
  const quote = rule?.quote ? `<blockquote>${esc(rule.quote)}</blockquote>` : '';
  const link = rule?.link ? ` <a href="${esc(rule.link)}">spec</a>` : '';
  const text = rule
    ? `${esc(rule.text)}${quote}${untestable && rule.why ? `<br><small>Not testable: ${esc(rule.why)}</small>` : ''}`
    : '<em>Not in the rule catalogue (cited by a scenario).</em>';
  const since = rule ? `${esc(rule.since)}${rule.until ? `–${esc(rule.until)}` : ''}` : '';
  const statuses = [...new Set(verdicts)].join(' ');
  return `<tr class="rule" data-rule="${esc(id)}" data-level="${esc(rule?.level ?? '')}" data-area="${esc(rule?.area ?? '')}" data-status="${esc(statuses)}" data-testable="${rule?.testable ?? ''}">
<th scope="row"><code>${esc(id)}</code></th><td>${esc(rule?.level ?? '?')}</td><td class="rule-text">${text}</td><td>${since}</td><td>${esc(rule?.section ?? '')}${link}</td>${cells}</tr>`;
}

function levelTable(report: ComplianceReport): string {
  const rows: string[] = [];
  for (const t of report.targets) {
    LEVELS.forEach((level, i) => {
      const of = t.scenarios.filter((s) => s.level === level && !s.tentative);
      const cells = STATUSES.map((st) => {
        const n = of.filter((s) => s.status === st).length;
        return `<td class="${n === 0 ? 'zero' : `s-${st}`}">${n}</td>`;
      }).join('');
      const targetCell = i === 0 ? `<th scope="rowgroup" rowspan="${LEVELS.length}">${esc(t.id)}</th>` : '';
      rows.push(`<tr data-target="${esc(t.id)}" data-level-row="${esc(level)}">${targetCell}<th scope="row">${esc(level)}</th>${cells}<td>${of.length}</td></tr>`);
    });
  }
  return `<section id="levels">
<h2>Verdicts by level</h2>
<table id="level-table">
<thead><tr><th scope="col">Target</th><th scope="col">Level</th>${STATUSES.map((s) => `<th scope="col">${badge(s)}</th>`).join('')}<th scope="col">total</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</section>`;
}

