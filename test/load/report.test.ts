// The load report writers: the JSON validates against its schema, the page escapes every string
// and inlines its charts, and no token reaches either file.
import { describe, it, expect } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitCodeOf, type LoadTargetReport } from '../../src/load/report.ts';
import { renderLoadHtml, renderLoadText, writeLoadReports } from '../../reporters/load/index.ts';
import { scriptJson } from '../../reporters/load/plots.ts';
import { EVIL, okTarget, report, TOKEN, unusable } from './fixture.ts';
import { loadReportValidator } from './schema.ts';

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
