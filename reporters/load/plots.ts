// The page's charts: uPlot (MIT, 51 KB minified, no dependencies), inlined with its CSS so the
// page works offline, and a small script that draws from the report data embedded in the page.
// Labels reach the DOM through uPlot's textContent, never as HTML.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let cached: { js: string; css: string } | undefined;

/** uPlot's minified IIFE build and stylesheet, read once from node_modules. */
export function uplotAssets(): { js: string; css: string } {
  cached ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8').replace(/<\/style/gi, '<\\/style'),
  };
  return cached;
}

/** JSON that is safe inside a <script> element: no "</script", no HTML comment openers, no line separators. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Runs in the browser. For each metric: a CDF (x: latency, log scale; y: share of receipts at or
 * below it) and latency over time (p50 solid, p95 dashed, per second of posting), one colour per
 * target. Series of different targets have different x values, so they are merged onto the
 * union of x values with gaps spanned.
 */
export const PLOT_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('load-data').textContent);
  var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#7f7f7f'];
  function merge(perTarget) {
    var xs = [];
    var seen = {};
    perTarget.forEach(function (pts) { pts.forEach(function (p) { if (!seen[p[0]]) { seen[p[0]] = true; xs.push(p[0]); } }); });
    xs.sort(function (a, b) { return a - b; });
    var index = {};
    xs.forEach(function (x, i) { index[x] = i; });
    var ys = perTarget.map(function (pts) {
      var y = xs.map(function () { return null; });
      pts.forEach(function (p) { y[index[p[0]]] = p[1]; });
      return y;
    });
    return [xs].concat(ys);
  }
  function width(el) { return Math.max(320, Math.min(880, el.clientWidth - 8)); }
  function fmtMs(v) { return v == null ? '' : v < 1000 ? (Math.round(v * 10) / 10) + ' ms' : (v / 1000).toFixed(2) + ' s'; }
  data.metrics.forEach(function (m) {
    var cdfEl = document.getElementById('cdf-' + m.id);
    var timeEl = document.getElementById('time-' + m.id);
    if (!cdfEl || !timeEl) return;
    var ts = data.targets.filter(function (t) { return t.cdf && t.cdf[m.id] && t.cdf[m.id].length; });
    if (!ts.length) return;
    var cdfData = merge(ts.map(function (t) { return t.cdf[m.id].map(function (p) { return [Math.max(0.1, p[0]), p[1]]; }); }));
    new uPlot({
      title: m.label + ': distribution (CDF)',
      width: width(cdfEl), height: 280,
      scales: { x: { time: false, distr: 3, log: 10 }, y: { range: [0, 1] } },
      axes: [
        { label: 'latency (log scale)', values: function (u, vals) { return vals.map(fmtMs); } },
        { label: 'share of receipts', values: function (u, vals) { return vals.map(function (v) { return Math.round(v * 100) + '%'; }); } },
      ],
      series: [{ label: 'latency', value: function (u, v) { return fmtMs(v); } }].concat(ts.map(function (t) {
        var c = COLORS[data.targets.indexOf(t) % COLORS.length];
        return { label: t.id, stroke: c, width: 2, spanGaps: true, points: { show: false }, value: function (u, v) { return v == null ? '' : (v * 100).toFixed(1) + '%'; } };
      })),
    }, cdfData, cdfEl);
    var perTarget = [];
    var series = [{ label: 's', value: function (u, v) { return v == null ? '' : v + ' s'; } }];
    ts.forEach(function (t) {
      var c = COLORS[data.targets.indexOf(t) % COLORS.length];
      var buckets = (t.overTime && t.overTime[m.id]) || [];
      perTarget.push(buckets.map(function (b) { return [b.t, b.p50]; }));
      perTarget.push(buckets.map(function (b) { return [b.t, b.p95]; }));
      series.push({ label: t.id + ' p50', stroke: c, width: 2, spanGaps: true, value: function (u, v) { return fmtMs(v); } });
      series.push({ label: t.id + ' p95', stroke: c, width: 1, dash: [6, 4], spanGaps: true, value: function (u, v) { return fmtMs(v); } });
    });
    new uPlot({
      title: m.label + ': latency over time',
      width: width(timeEl), height: 280,
      scales: { x: { time: false } },
      axes: [
        { label: 'seconds after posting began (by time posted)' },
        { label: 'latency', values: function (u, vals) { return vals.map(fmtMs); }, size: 70 },
      ],
      series: series,
    }, merge(perTarget), timeEl);
  });
})();
`;
