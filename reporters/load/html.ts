// The load report as one self-contained page: invariants by target, latency figures, counts and
// charts. Every string that came from a server or the run goes through esc(); the charts' data
// is embedded as script-safe JSON and drawn by the inlined uPlot.
import type { LoadReport, LoadTargetReport } from '../../src/load/report.ts';
import { METRICS, METRIC_IDS } from '../../src/load/report.ts';
import type { InvariantResult } from '../../src/load/invariants.ts';
import { INVARIANTS, INVARIANT_IDS } from '../../src/load/invariants.ts';
import { PLOT_SCRIPT, scriptJson, uplotAssets } from './plots.ts';

export function esc(value: unknown): string {
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v < 1000 ? `${Math.round(v * 10) / 10} ms` : `${(v / 1000).toFixed(2)} s`);
const sec = (v: number) => `${(v / 1000).toFixed(1)} s`;
const software = (t: LoadTargetReport) => (t.software ? `${t.software.name} ${t.software.version}` : 'unknown software');

function targetCard(t: LoadTargetReport): string {
  const head = `<h3>${esc(t.id)}</h3><p class="sw">${esc(software(t))} · ${esc(t.homeserver || t.kind)}</p>`;
  if (t.status === 'unusable') return `<section class="card unusable">${head}<p class="status fail">Unusable</p><pre>${esc(t.error ?? '')}</pre></section>`;
  const c = t.counts!;
  const tm = t.timings!;
  const rows: [string, string][] = [
    ['Local receipts', `${c.posted} posted, ${c.accepted} accepted, ${c.failed} failed`],
    ['Remote receipts', `${c.remoteSent} sent, ${c.remoteAccepted} accepted`],
    ['Throughput', `${t.throughput!.acceptedPerS}/s accepted of ${t.throughput!.requestedPerS}/s asked (local ${t.throughput!.localAcceptedPerS}/s, remote ${t.throughput!.remoteAcceptedPerS}/s)`],
    ['Rate limited (429)', `${c.rateLimited} responses${Object.keys(c.rateLimitedBy).length ? ` (${Object.entries(c.rateLimitedBy).map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''}, ${sec(c.retryWaitMs)} of waits (summed over concurrent requests)`],
    ['Schedule', `${c.behindSchedule} started over 100 ms late, max lag ${c.maxLagMs} ms, ${c.notStarted} not started`],
    ['Requests', `${c.requests} (${c.transportErrors} without a response)`],
    ['Observers', `${c.syncResponses} /sync responses, ${c.receiptsSeenAtSync} receipts, ${c.syncErrors} errors, ${c.unattributedAtSync} not posted by the run`],
    ['Remote server', `${c.edusReceived} m.receipt EDUs received, ${c.unattributedAtRemote} receipts not posted by the run`],
    ['Phases', `set-up ${sec(tm.setupMs)}, posting ${sec(tm.postingMs)}, drain ${sec(tm.drainMs)}${tm.drained ? '' : ' (ended by its deadline)'}`],
  ];
  if (t.cpu) {
    const share = t.cpu.harnessShare === null ? 'n/a' : `${Math.round(t.cpu.harnessShare * 100)}%`;
    const ratio = t.cpu.wallPerServerCpu === null ? 'n/a' : `${t.cpu.wallPerServerCpu.toFixed(2)}×`;
    rows.push(['CPU (posting + drain)', `server ${sec(t.cpu.serverCpuMs)}, harness ${sec(t.cpu.harnessCpuMs)} (${share}); wall ÷ server CPU ${ratio}`]);
  }
  const note = t.error ? `<p class="warn">${esc(t.error)}</p>` : '';
  return `<section class="card">${head}${note}<dl>${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl></section>`;
}

function invariantCell(i: InvariantResult | undefined): string {
  if (!i) return '<td class="cell skip">–</td>';
  const summary = i.status === 'fail' ? `fail: ${i.violations} of ${i.checked}` : i.status === 'pass' ? `pass (${i.checked})` : 'skip';
  const details =
    i.evidence.length || i.note
      ? `<details><summary>${esc(summary)}</summary>${i.note ? `<p>${esc(i.note)}</p>` : ''}${i.evidence.length ? `<ol>${i.evidence.map((e) => `<li>${esc(e)}</li>`).join('')}</ol>` : ''}${i.violations > i.evidence.length ? `<p>… and ${i.violations - i.evidence.length} more</p>` : ''}</details>`
      : esc(summary);
  return `<td class="cell ${esc(i.status)}" data-status="${esc(i.status)}">${details}</td>`;
}

function invariantTable(targets: LoadTargetReport[]): string {
  const head = `<tr><th>Invariant</th>${targets.map((t) => `<th>${esc(t.id)}</th>`).join('')}</tr>`;
  const rows = INVARIANT_IDS.map(
    (id) => `<tr><th scope="row"><code>${esc(id)}</code> <span class="level">${esc(INVARIANTS[id].level)} · ${esc(INVARIANTS[id].rules.join(', '))}</span><br><span class="title">${esc(INVARIANTS[id].title)}</span></th>${targets.map((t) => invariantCell(t.invariants.find((i) => i.id === id))).join('')}</tr>`,
  );
  return `<table id="invariants"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function latencyTable(targets: LoadTargetReport[]): string {
  const usable = targets.filter((t) => t.status === 'ok');
  if (!usable.length) return '<p>No target could be used.</p>';
  const rows = METRIC_IDS.flatMap((m) =>
    usable.map(
      (t, k) =>
        `<tr>${k === 0 ? `<th scope="rowgroup" rowspan="${usable.length}">${esc(METRICS[m].label)}<br><span class="title">${esc(METRICS[m].description)}</span></th>` : ''}<td>${esc(t.id)}</td>` +
        (['count', 'p50', 'p95', 'p99', 'max', 'mean'] as const).map((f) => `<td class="num">${f === 'count' ? esc(t.latency![m].count) : esc(ms(t.latency![m][f]))}</td>`).join('') +
        '</tr>',
    ),
  );
  return `<table id="latency"><thead><tr><th>Latency</th><th>Target</th><th>n</th><th>p50</th><th>p95</th><th>p99</th><th>max</th><th>mean</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function charts(targets: LoadTargetReport[]): string {
  const withData = METRIC_IDS.filter((m) => targets.some((t) => (t.cdf?.[m]?.length ?? 0) > 0));
  if (!withData.length) return '<p>No latency was measured.</p>';
  return withData.map((m) => `<div class="charts"><div class="chart" id="cdf-${m}"></div><div class="chart" id="time-${m}"></div></div>`).join('\n');
}

export function renderLoadHtml(report: LoadReport): string {
  const c = report.config;
  const { js, css } = uplotAssets();
  const plotData = {
    metrics: METRIC_IDS.map((id) => ({ id, label: METRICS[id].label })),
    targets: report.targets.map((t) => ({ id: t.id, cdf: t.cdf ?? null, overTime: t.overTime ?? null })),
  };
  const configRows: [string, string][] = [
    ['Workload', `${c.plannedReceipts} receipts at ${c.rate}/s for ${c.durationS} s (seed ${c.seed})`],
    ['Users', `${c.users} local in ${c.rooms} rooms, ${c.remoteUsers} remote, ${c.observers} observers`],
    ['Mix', `${Math.round(c.privateShare * 100)}% m.read.private, ${Math.round(c.threadedShare * 100)}% thread "main"${c.threadCollisions ? ', unthreaded and threaded receipts may share an event' : ''}`],
    ['Bounds', `${c.maxRequests} requests, ${c.maxInFlight} in flight, drain ${c.drainTimeoutS} s, deadline ${c.deadlineS} s per target`],
    ['Rooms', `version ${c.roomVersion ?? 'server default'}, ${c.eventsPerRoom} events each`],
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Read receipts under load — ${esc(report.suite.name)} ${esc(report.suite.version)}</title>
<style>${css}</style>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Read receipts under load</h1>
<dl class="meta">
<dt>Suite</dt><dd>${esc(report.suite.name)} ${esc(report.suite.version)}</dd>
<dt>Generated</dt><dd><time datetime="${esc(report.generatedAt)}">${esc(report.generatedAt)}</time></dd>
<dt>Duration</dt><dd>${esc(sec(report.durationMs))}</dd>
${configRows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('\n')}
</dl>
</header>
<main>
<h2>Invariants</h2>
${invariantTable(report.targets)}
<h2>Targets</h2>
<div class="cards">${report.targets.map(targetCard).join('\n')}</div>
<h2>Latency</h2>
${latencyTable(report.targets)}
<h2>Charts</h2>
<noscript><p>The charts need JavaScript; the tables above hold the same figures.</p></noscript>
${charts(report.targets)}
</main>
<footer><p>Charts drawn with uPlot 1.6.32 (MIT licence, © Leon Sorokin), included in this page.</p></footer>
<script type="application/json" id="load-data">${scriptJson(plotData)}</script>
<script>${js}</script>
<script>${PLOT_SCRIPT}</script>
</body>
</html>
`;
}

const CSS = `
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem; color: #222; }
h1 { margin-bottom: .25rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.meta dt, .card dt { font-weight: 600; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; width: 100%; }
th, td { border: 1px solid #ccc; padding: .35rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.level { font-weight: normal; font-size: .8em; color: #555; border: 1px solid #bbb; border-radius: 3px; padding: 0 .25em; }
.title { font-weight: normal; color: #555; font-size: .9em; }
td.pass { background: #e6f4e6; } td.fail { background: #fbe3e3; } td.skip { background: #f3f3f3; color: #666; }
td.cell details summary { cursor: pointer; font-weight: 600; }
td.cell ol { margin: .3rem 0; padding-left: 1.2rem; font-size: .85em; word-break: break-all; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 1rem; }
.card { border: 1px solid #ccc; border-radius: 6px; padding: .5rem 1rem; }
.card.unusable { border-color: #c33; }
.card dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .75rem; font-size: .92em; }
.card h3 { margin: .3rem 0 0; } .sw { margin: 0 0 .5rem; color: #555; }
.status.fail, .warn { color: #a00; font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1rem; margin-bottom: 1rem; }
.chart { min-height: 300px; }
pre { white-space: pre-wrap; word-break: break-all; }
footer { color: #777; font-size: .85em; margin-top: 2rem; }
`;
