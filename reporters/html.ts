// The human report: one self-contained page (CI artefacts are often opened offline or from a
// sandboxed viewer, so nothing is fetched). Everything from the report goes through esc().

import type { ComplianceReport, Finding, RequestRecord, RuleInfo, ScenarioResult, Status, TargetReport } from '../src/model.ts';
import { STATUSES } from '../src/model.ts';
import {
  LEVELS,
  citedRules,
  formatMs,
  hasDetail,
  isKnownDeviation,
  matrixRows,
  prettyJson,
  softwareLabel,
  worstStatus,
  type ScenarioRow,
} from './common.ts';

export function esc(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const LEGEND: [Status, string][] = [
  ['pass', 'The server did what the rule asks.'],
  ['fail', 'A MUST was broken: the server is not conformant on this point.'],
  ['non-strict', 'A SHOULD was not met. Worth fixing, but the server is still conformant.'],
  ['info', 'The spec does not say what should happen; the behaviour seen is recorded for comparison.'],
  ['unsupported', 'An optional (MAY) feature is absent. Not a defect.'],
  ['skip', 'Not run: outside the spec version range, or filtered out.'],
  ['error', 'The harness or the target broke (timeout, crash, bad setup). Not a verdict on conformance.'],
];

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
<dt>Spec version tested</dt><dd>${esc(report.spec.version)}</dd>
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
  if (s.fail > 0) return `Not conformant: ${s.fail} MUST failure${s.fail === 1 ? '' : 's'}`;
  if (s.error > 0) return `Incomplete: ${s.error} scenario${s.error === 1 ? '' : 's'} errored`;
  if (s['non-strict'] > 0) return `Conformant, with ${s['non-strict']} SHOULD unmet`;
  return 'Conformant';
}

function targetCard(t: TargetReport): string {
  const s = t.summary;
  const counts = STATUSES.map((st) => `<li${s[st] === 0 ? ' class="zero"' : ''}>${badge(st)} ${s[st]}</li>`).join('');
  const startup = t.startup ? `<dt>Startup</dt><dd>${esc(formatMs(t.startup.ms))} (${t.startup.cold ? 'cold' : 'warm'})</dd>` : '';
  const expectations = t.expectationsFile ? `<dt>Expectations</dt><dd><code>${esc(t.expectationsFile)}</code></dd>` : '';
  return `<section class="target" data-target="${esc(t.id)}">
<h2>${esc(t.id)}</h2>
<p class="bottom-line ${s.fail > 0 ? 'bad' : s.error > 0 ? 'warn' : 'good'}">${esc(bottomLine(t))}</p>
<dl class="meta">
<dt>Kind</dt><dd>${esc(t.kind)}</dd>
<dt>Homeserver</dt><dd><code>${esc(t.homeserver)}</code></dd>
<dt>Software</dt><dd>${esc(softwareLabel(t))}</dd>
${startup}${expectations}
</dl>
<ul class="counts">${counts}<li${s.unexpected === 0 ? ' class="zero"' : ''}><span class="badge unexpected-badge">unexpected</span> ${s.unexpected}</li><li>total ${s.total}</li></ul>
</section>`;
}

function legend(): string {
  const rows = LEGEND.map(([st, text]) => `<dt>${badge(st)}</dt><dd>${esc(text)}</dd>`).join('\n');
  return `<section id="legend">
<h2>How to read this</h2>
<dl class="legend">
${rows}
<dt><span class="mark-unexpected">!</span> unexpected</dt><dd>The result differs from the target's expectations file: either a regression or an expectation to update. These are what make CI red.</dd>
<dt><span class="mark-known">≈</span> expected deviation</dt><dd>A known departure from the spec, listed in the expectations file with its reason (shown when you open the cell).</dd>
<dt>${badge('untested')}</dt><dd>(Rules table) No scenario cites this rule.</dd>
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
    (s.unexpected ? ` <span class="mark-unexpected" title="unexpected: expected ${esc(s.expected)}">!</span>` : '') +
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
  if (s.unexpected) parts.push(`<p class="note unexpected-note">Unexpected: the expectations file predicts <b>${esc(s.expected)}</b>.</p>`);
  if (known) parts.push(`<p class="note known-note">Expected deviation (${esc(s.expected)}): ${esc(s.expectationReason ?? 'no reason given')}</p>`);
  if (s.message) parts.push(`<p class="message">${esc(s.message)}</p>`);
  parts.push(`<p class="where"><small>${esc(s.file)} · ${esc(formatMs(s.durationMs))}</small></p>`);
  parts.push(...s.findings.map(findingHtml));
  return parts.join('\n');
}

function findingHtml(f: Finding): string {
  // INFO findings usually carry only what was seen; label it so rather than "Expected: undefined".
  const sides: [string, unknown][] =
    f.expected === undefined ? (f.actual === undefined ? [] : [['Observed', f.actual]]) : [['Expected', f.expected], ['Actual', f.actual]];
  const comparison = sides.length
    ? `<div class="compare">${sides.map(([h, v]) => `<div><h4>${h}</h4><pre>${esc(prettyJson(v))}</pre></div>`).join('')}</div>`
    : '';
  return `<div class="finding level-${esc(f.level)}">
<p><b>${esc(f.level)}</b> ${f.rules.map((r) => `<code>${esc(r)}</code>`).join(' ')} <small>${esc(f.where)}</small></p>
<p>${esc(f.message)}</p>
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
  // Per target: rule ID -> statuses of every scenario citing it.
  const perTarget = report.targets.map((t) => {
    const m = new Map<string, Status[]>();
    for (const s of t.scenarios) for (const r of citedRules(s)) m.set(r, [...(m.get(r) ?? []), s.status]);
    return m;
  });
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
<p>Each cell is the worst verdict among the scenarios citing the rule (error &gt; fail &gt; non-strict &gt; unsupported &gt; info &gt; pass &gt; skip).</p>
<table id="rules-table" class="filterable">
<thead><tr><th scope="col">Rule</th><th scope="col">Strength</th><th scope="col">Text</th><th scope="col">Since</th><th scope="col">Section</th>${head}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</section>`;
}

/** Rule strengths use the spec's words (MUST NOT, RECOMMENDED…); the level filter speaks in Levels. */
function strengthLevel(strength: string): string {
  const s = strength.toUpperCase();
  if (/^(MUST|SHALL|REQUIRED)/.test(s)) return 'MUST';
  if (/^(SHOULD|RECOMMENDED|NOT RECOMMENDED)/.test(s)) return 'SHOULD';
  if (/^(MAY|OPTIONAL)/.test(s)) return 'MAY';
  return 'INFO';
}

function ruleRow(rule: RuleInfo | undefined, perTarget: Map<string, Status[]>[], targetCount: number, strayId = ''): string {
  const id = rule?.id ?? strayId;
  const verdicts = perTarget.map((m) => worstStatus(m.get(id) ?? []) ?? 'untested');
  const untestable = rule !== undefined && !rule.testable;
  let cells: string;
  if (untestable && verdicts.every((v) => v === 'untested')) {
    // One spanning note reads better than the same reason repeated per target.
    cells = `<td colspan="${targetCount}" class="untestable">not testable: ${esc(rule.why ?? 'no reason given')}</td>`;
  } else {
    cells = verdicts.map((v) => `<td class="cell s-${esc(v)}" data-status="${esc(v)}">${esc(v)}</td>`).join('');
  }
  const text = rule
    ? `${esc(rule.text)}${untestable && rule.why ? `<br><small>Not testable: ${esc(rule.why)}</small>` : ''}`
    : '<em>Not in the rule catalogue (cited by a scenario).</em>';
  const since = rule ? `${esc(rule.since)}${rule.until ? `–${esc(rule.until)}` : ''}` : '';
  const statuses = [...new Set(verdicts)].join(' ');
  return `<tr class="rule" data-rule="${esc(id)}" data-level="${esc(rule ? strengthLevel(rule.strength) : '')}" data-area="${esc(rule?.area ?? '')}" data-status="${esc(statuses)}" data-testable="${rule?.testable ?? ''}">
<th scope="row"><code>${esc(id)}</code></th><td>${esc(rule?.strength ?? '?')}</td><td class="rule-text">${text}</td><td>${since}</td><td>${esc(rule?.section ?? '')}</td>${cells}</tr>`;
}

function levelTable(report: ComplianceReport): string {
  const rows: string[] = [];
  for (const t of report.targets) {
    LEVELS.forEach((level, i) => {
      const of = t.scenarios.filter((s) => s.level === level);
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

// Colours are paired with text labels everywhere, so the page still reads in greyscale.
const CSS = `
:root{--pass:#d4f4dd;--fail:#f8d0d0;--ns:#fde9c4;--info:#d6e6fb;--unsup:#e6ddf5;--skip:#eeeeee;--error:#f5c6ec;--ink:#1d1d1f;--muted:#666}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);margin:0;padding:1rem 1.5rem;background:#fff}
h1{margin:.2rem 0 .6rem;font-size:1.5rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem}h4{margin:.5rem 0 .2rem;font-size:.85rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
pre{background:#f6f8fa;border:1px solid #ddd;padding:.4rem;margin:0;max-height:24rem;overflow:auto;white-space:pre-wrap;word-break:break-word}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:.3rem 0}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}
.targets{display:flex;flex-wrap:wrap;gap:1rem}
.target{border:1px solid #ccc;border-radius:6px;padding:.6rem .9rem;min-width:18rem}
.target h2{margin:.1rem 0}
.bottom-line{font-weight:600;margin:.2rem 0}.bottom-line.bad{color:#a00}.bottom-line.warn{color:#8a5a00}.bottom-line.good{color:#16662e}
ul.counts{list-style:none;padding:0;margin:.4rem 0 0;display:flex;flex-wrap:wrap;gap:.3rem .8rem}
.zero{opacity:.45}
.badge{display:inline-block;padding:0 .4rem;border-radius:3px;font-size:12px;border:1px solid rgba(0,0,0,.15)}
.s-pass{background:var(--pass)}.s-fail{background:var(--fail)}.s-non-strict{background:var(--ns)}.s-info{background:var(--info)}
.s-unsupported{background:var(--unsup)}.s-skip{background:var(--skip);color:var(--muted)}.s-error{background:var(--error)}
.s-untested,.s-absent{background:#fff;color:var(--muted)}
.unexpected-badge{background:#fff;border:2px solid #c00;color:#c00;font-weight:700}
.mark-unexpected{color:#c00;font-weight:700}.mark-known{color:#555;font-weight:700}
dl.legend{display:grid;grid-template-columns:max-content 1fr;gap:.25rem .8rem}dl.legend dd{margin:0}
#filters{position:sticky;top:0;background:#fff;padding:.5rem 0;border-bottom:1px solid #ddd;display:flex;flex-wrap:wrap;gap:1rem;align-items:center;z-index:2}
#filter-count{color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{border:1px solid #ddd;padding:.25rem .45rem;vertical-align:top;text-align:left}
thead th{background:#fafafa;position:sticky;top:2.6rem}
.area-row th{background:#333;color:#fff;font-weight:600}
td.cell{min-width:7rem}
td.cell.unexpected{outline:3px solid #c00;outline-offset:-3px}
td.cell.known{outline:2px dashed #777;outline-offset:-2px}
td.rules code{display:inline-block;margin-right:.2rem}
.title{color:var(--muted)}
details>summary{cursor:pointer}
details[open]{min-width:28rem}
.finding{border-top:1px solid rgba(0,0,0,.15);margin-top:.4rem;padding-top:.3rem;background:rgba(255,255,255,.6)}
.compare{display:grid;grid-template-columns:1fr 1fr;gap:.4rem}
.note{margin:.2rem 0;font-weight:600}.unexpected-note{color:#a00}
.untestable{color:var(--muted);font-style:italic}
.hidden{display:none}
`;

// Static: it reads the data-* attributes rendered above and never sees report data as code.
const SCRIPT = `
(function(){
  var level=document.getElementById('filter-level'),area=document.getElementById('filter-area'),
      status=document.getElementById('filter-status'),onlyUnexpected=document.getElementById('filter-unexpected'),
      count=document.getElementById('filter-count');
  function has(list,v){return (' '+(list||'')+' ').indexOf(' '+v+' ')>=0;}
  function apply(){
    var lv=level.value,ar=area.value,st=status.value,ux=onlyUnexpected.checked,shown=0,total=0;
    var rows=document.querySelectorAll('#matrix tr.scenario');
    for(var i=0;i<rows.length;i++){
      var r=rows[i],ok=(!lv||r.getAttribute('data-level')===lv)&&(!ar||r.getAttribute('data-area')===ar)&&
        (!st||has(r.getAttribute('data-status'),st))&&(!ux||r.getAttribute('data-unexpected')==='true');
      r.classList.toggle('hidden',!ok);total++;if(ok)shown++;
    }
    // An area header stays only while one of its scenarios is visible.
    var headers=document.querySelectorAll('#matrix tr.area-row');
    for(var j=0;j<headers.length;j++){
      var h=headers[j],n=h.nextElementSibling,any=false;
      while(n&&!n.classList.contains('area-row')){if(!n.classList.contains('hidden')){any=true;break;}n=n.nextElementSibling;}
      h.classList.toggle('hidden',!any);
    }
    var rules=document.querySelectorAll('#rules-table tr.rule');
    for(var k=0;k<rules.length;k++){
      var q=rules[k],okr=(!lv||q.getAttribute('data-level')===lv)&&(!ar||q.getAttribute('data-area')===ar)&&
        (!st||has(q.getAttribute('data-status'),st));
      q.classList.toggle('hidden',!okr);
    }
    count.textContent='showing '+shown+' of '+total+' scenarios';
  }
  [level,area,status,onlyUnexpected].forEach(function(el){el.addEventListener('change',apply);});
  apply();
})();
`;
