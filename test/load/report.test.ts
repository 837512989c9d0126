// The load report writers: the JSON validates against its schema, the page escapes every string
// and inlines its charts, and no token reaches either file.
import { describe, it, expect } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvariantLog } from '../../src/load/invariants.ts';
import { exitCodeOf, METRIC_IDS, type LoadReport, type LoadTargetReport, type MetricId } from '../../src/load/report.ts';
import { cdf, overTime, summarise } from '../../src/load/stats.ts';
import { renderLoadHtml, renderLoadText, writeLoadReports } from '../../reporters/load/index.ts';
import { scriptJson } from '../../reporters/load/plots.ts';
import { loadReportValidator } from './schema.ts';

const TOKEN = 'syt_bG9hZA_secretsecret_0abc12';
const EVIL = '<script>alert("x")</script>&<img src=x onerror=alert(1)>';

function okTarget(id: string, failing: boolean): LoadTargetReport {
  const log = new InvariantLog();
  log.check('one-per-slot', true, () => '');
  log.check('deltas-only', !failing, () => `observer saw ${EVIL} with token ${TOKEN}`);
  log.skip('no-lost-receipt-federation', 'no remote users (--remote-users 0)');
  const samples = Array.from({ length: 50 }, (_, i) => ({ at: i * 100, ms: 5 + i }));
  const per = <T>(f: (m: MetricId) => T) => Object.fromEntries(METRIC_IDS.map((m) => [m, f(m)])) as Record<MetricId, T>;
  return {
    id,
    kind: 'synapse',
    homeserver: 'http://127.0.0.1:8008',
    software: { name: `Synapse ${EVIL}`, version: '1.163.2' },
    status: 'ok',
    startedAt: new Date().toISOString(),
    timings: { setupMs: 1000, postingMs: 10_000, drainMs: 20, drained: true },
    counts: {
      planned: 200, posted: 176, accepted: 176, failed: 0, remoteSent: 24, remoteAccepted: 24, notStarted: 0, rateLimited: 2,
      rateLimitedBy: { 'POST /receipt': 2 }, retryWaitMs: 2000, transportErrors: 0, requests: 550, syncResponses: 250, syncErrors: 0,
      receiptsSeenAtSync: 300, edusReceived: 140, unattributedAtSync: 0, unattributedAtRemote: 0, behindSchedule: 0, maxLagMs: 3,
    },
    throughput: { requestedPerS: 20, acceptedPerS: 20, localAcceptedPerS: 17.6, remoteAcceptedPerS: 2.4 },
    latency: per((m) => (m === 'remoteSend' ? summarise([]) : summarise(samples.map((s) => s.ms)))),
    cdf: per((m) => (m === 'remoteSend' ? [] : cdf(samples.map((s) => s.ms)))),
    overTime: per((m) => (m === 'remoteSend' ? [] : overTime(samples))),
    cpu: { wallMs: 10_000, serverCpuMs: 3000, harnessCpuMs: 900, wallPerServerCpu: 3.33, harnessShare: 0.23, serverProcesses: 1, harnessProcesses: 2 },
    invariants: log.results(),
  };
}

function report(targets: LoadTargetReport[]): LoadReport {
  return {
    suite: { name: 'receipts-conformance', version: '0.1.0' },
    kind: 'load',
    generatedAt: new Date().toISOString(),
    durationMs: 12_345,
    config: {
      users: 10, rooms: 3, rate: 20, durationS: 10, remoteUsers: 1, observers: 2, privateShare: 0.2, threadedShare: 0.2, seed: 1, threadCollisions: false,
      maxRequests: 100_000, maxInFlight: 32, drainTimeoutS: 30, deadlineS: 166, plannedReceipts: 200, eventsPerRoom: 9, roomVersion: '10',
    },
    targets,
  };
}

const unusable: LoadTargetReport = {
  id: 'dendrite',
  kind: 'dendrite',
  homeserver: '',
  software: null,
  status: 'unusable',
  error: `go install failed: ${EVIL} Authorization: Bearer ${TOKEN}`,
  invariants: new InvariantLog().results().map((i) => ({ ...i, status: 'skip' as const, note: 'the target could not be used' })),
};

describe('load report', () => {
  it('writes JSON that validates, and a page that escapes every string, with no token in either', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rc-load-report-'));
    const r = report([okTarget('synapse', true), unusable]);
    const { files } = await writeLoadReports(r, dir, { secrets: ['sharedsecretvalue'] });
    const [json, html] = await Promise.all(files.map((f) => readFile(f, 'utf8')));
    const validate = await loadReportValidator();
    expect(validate(JSON.parse(json!)), JSON.stringify(validate.errors)).toBe(true);
    for (const text of [json!, html!]) expect(text).not.toContain(TOKEN);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    // Self-contained: uPlot inlined, nothing fetched.
    expect(html).toContain('uPlot');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    // Exactly the page's own three scripts: the data block cannot close one early.
    expect(html!.match(/<\/script>/g)).toHaveLength(3);
    expect(html).toMatch(/id="cdf-syncDelivery"/);
    expect(html).not.toMatch(/id="cdf-remoteSend"/);
  });

  it('the schema rejects an ok target without its figures, and an unknown field', async () => {
    const validate = await loadReportValidator();
    const { counts: _, ...noCounts } = okTarget('synapse', false);
    expect(validate(report([noCounts as LoadTargetReport]))).toBe(false);
    expect(validate({ ...report([okTarget('synapse', false)]), extra: 1 })).toBe(false);
    const failWithoutEvidence = okTarget('synapse', false);
    failWithoutEvidence.invariants[0] = { ...failWithoutEvidence.invariants[0]!, status: 'fail', violations: 0 };
    expect(validate(report([failWithoutEvidence]))).toBe(false);
    expect(validate(report([okTarget('synapse', false)]))).toBe(true);
  });

  it('exit codes: 0 all held, 1 one broke, 3 a target unusable', () => {
    expect(exitCodeOf(report([okTarget('a', false)]))).toBe(0);
    expect(exitCodeOf(report([okTarget('a', false), okTarget('b', true)]))).toBe(1);
    expect(exitCodeOf(report([okTarget('a', true), unusable]))).toBe(3);
  });

  it('summarises for the terminal', () => {
    const text = renderLoadText(report([okTarget('synapse', true), unusable]));
    expect(text).toMatch(/^load: 200 receipts at 20\/s for 10 s/);
    expect(text).toMatch(/429s 2 \[POST \/receipt 2\]/);
    expect(text).toMatch(/to \/sync\s+p50\s+29 ms/);
    expect(text).toMatch(/FAIL \(SHOULD\) deltas-only: 1 of 1/);
    expect(text).toMatch(/skip no-lost-receipt-federation: no remote users/);
    expect(text).toMatch(/dendrite \(unknown software\): UNUSABLE/);
  });

  it('embeds chart data that cannot end its script element', () => {
    const s = scriptJson({ label: '</script><script>alert(1)</script>', sep: '\u2028' });
    expect(s).not.toMatch(/<|>|\u2028/);
    expect(JSON.parse(s)).toEqual({ label: '</script><script>alert(1)</script>', sep: '\u2028' });
    expect(renderLoadHtml(report([okTarget(EVIL, false)]))).not.toContain('<script>alert("x")');
  });
});
