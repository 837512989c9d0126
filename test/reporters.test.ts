import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as formatsModule from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';
import { summarise } from '../src/model.ts';
import { STATUSES } from '../src/verdict.ts';
import type { CheckResult } from '../src/model.ts';
import type { ComplianceReport, Level, ScenarioResult, Status, TargetReport } from '../src/model.ts';
import { redact, redactDeep, renderHtml, renderJson, renderJunit, renderMarkdown, writeReports } from '../reporters/index.ts';

// ajv-formats is CommonJS; depending on the resolver the default import is the plugin or a module
// record holding it, so unwrap whichever we got.
const formatsDefault = (formatsModule as unknown as { default: unknown }).default;
const addFormats = (typeof formatsDefault === 'function' ? formatsDefault : (formatsDefault as { default: unknown }).default) as FormatsPlugin;

const schemaPath = fileURLToPath(new URL('../fixtures/schemas/formats/compliance.schema.json', import.meta.url));

const TOKEN = 'syt_abc_123';
const BEARER = 'secret123';
const TRICKY_TITLE = 'Escapes <&"> in titles';

type Over = Partial<ScenarioResult> & Pick<ScenarioResult, 'id' | 'status'> & { expected?: Status; reason?: string; findings?: Partial<CheckResult>[] };

/** A result as resultFor would build it; `expected` and `reason` make a deviation entry. */
function scenario(over: Over): ScenarioResult {
  const { expected: exp, reason, findings, ...rest } = over;
  const level: Level = over.level ?? 'MUST';
  const expected: Status = exp ?? (over.status === 'skip' ? 'skip' : level === 'INFO' ? 'info' : 'pass');
  const checks: CheckResult[] = (findings ?? []).map((f) => ({ where: 'w', check: 'receipt {}', rules: [], level: 'MUST', role: 'assert', status: 'fail', ...f }) as CheckResult);
  return {
    title: `Title of ${over.id}`,
    file: `suites/${over.id}.yaml`,
    area: 'receipts',
    rules: ['R-RECEIPT-1'],
    level,
    tags: [],
    ...(reason ? { deviation: { status: [expected], reason } } : {}),
    unexpected: over.status !== expected,
    durationMs: 120,
    httpWaitMs: 80,
    message: '',
    checks,
    ...rest,
  };
}

function scenarios(): ScenarioResult[] {
  return [
    scenario({ id: 'receipt-pass', status: 'pass', title: TRICKY_TITLE }),
    scenario({
      id: 'receipt-fail',
      status: 'fail',
      rules: ['R-RECEIPT-1', 'R-RECEIPT-2'],
      message: 'm.read receipt never reached /sync',
      findings: [
        {
          where: 'step 5 sync_until',
          rules: ['R-RECEIPT-2'],
          level: 'MUST',
          status: 'fail',
          message: 'receipt missing from ephemeral events',
          expected: { type: 'm.receipt', content: { $ev: { 'm.read': { '@alice:hs': {} } } } },
          actual: { events: [], access_token: TOKEN },
          request: {
            method: 'POST',
            path: `/_matrix/client/v3/rooms/!r:hs/receipt/m.read/$ev?access_token=${TOKEN}`,
            body: { headers: { Authorization: `Bearer ${BEARER}` } },
            status: 200,
            response: `{"access_token": "${TOKEN}", "note": "Authorization: Bearer ${BEARER}"}`,
          },
        },
      ],
    }),
    scenario({
      id: 'threaded-nonstrict',
      area: 'threads',
      status: 'non-strict',
      level: 'SHOULD',
      expected: 'non-strict',
      reason: 'thread_id support tracked upstream',
      rules: ['R-THREAD-1'],
      message: 'thread_id dropped',
      findings: [{ where: 'step 2 expect', rules: ['R-THREAD-1'], level: 'SHOULD', status: 'non-strict', message: 'thread_id missing', expected: 'main', actual: null }],
    }),
    scenario({
      id: 'private-info',
      area: 'threads',
      status: 'info',
      level: 'INFO',
      rules: ['R-PRIVATE-1'],
      message: 'server echoed private receipt to own device',
      findings: [{ where: 'step 3 observe', rules: ['R-PRIVATE-1'], level: 'INFO', role: 'record', status: 'info', message: 'observed', actual: { echoed: true } }],
    }),
    scenario({ id: 'fed-unsupported', area: 'federation', status: 'unsupported', level: 'MAY', rules: ['R-FED-1'] }),
    scenario({ id: 'old-skip', area: 'federation', status: 'skip', rules: ['R-FED-1'], message: 'spec version out of range' }),
    scenario({ id: 'pre-blocked', status: 'blocked', expected: 'blocked', reason: 'the private echo fails first', rules: ['R-PRIVATE-1'], findings: [{ rules: ['R-RECEIPT-1'], role: 'precondition', status: 'fail', message: 'no echo' }] }),
    scenario({ id: 'harness-error', status: 'error', message: 'timeout waiting for /sync' }),
    scenario({
      id: 'known-deviation',
      status: 'fail',
      expected: 'fail',
      reason: 'synapse#1234: receipts on redacted events',
      rules: ['R-RECEIPT-2'],
      findings: [{ rules: ['R-RECEIPT-2'], status: 'fail', message: 'receipt on a redacted event missing' }],
    }),
  ];
}

function target(id: string, kind: TargetReport['kind'], list: ScenarioResult[]): TargetReport {
  return {
    id,
    kind,
    homeserver: `http://${id}.localhost:8008`,
    software: kind === 'url' ? null : { name: kind === 'synapse' ? 'Synapse' : 'Dendrite', version: '1.2.3' },
    summary: summarise(list),
    scenarios: list,
  };
}

function sampleReport(): ComplianceReport {
  // The second target has different outcomes, so its column must differ from the first.
  const second = scenarios().map((s) =>
    s.id === 'receipt-fail' ? { ...s, status: 'pass' as const, unexpected: false, checks: [], message: '' } : s,
  );
  return {
    suite: { name: 'receipts-conformance', version: '0.1.0' },
    spec: { version: 'v1.12' },
    generatedAt: '2025-01-02T03:04:05.678Z',
    durationMs: 4321,
    rules: [
      { id: 'R-RECEIPT-1', text: 'Servers MUST accept m.read receipts.', level: 'MUST', section: '11.7.2', since: 'v1.0', area: 'receipts', testable: true },
      { id: 'R-RECEIPT-2', text: 'Receipts MUST appear in /sync.', level: 'MUST', section: '11.7.2', since: 'v1.0', area: 'receipts', testable: true },
      { id: 'R-THREAD-1', text: 'Servers SHOULD keep thread_id.', level: 'SHOULD', section: '11.7.3', since: 'v1.4', area: 'threads', testable: true },
      { id: 'R-PRIVATE-1', text: 'Private receipts are not federated.', level: 'INFO', section: '11.7.4', since: 'v1.4', area: 'threads', testable: true },
      { id: 'R-FED-1', text: 'Servers MAY batch EDUs.', level: 'MAY', section: 'fed', since: 'v1.0', area: 'federation', testable: true },
      { id: 'R-NEVER-CITED', text: 'A rule nobody tests yet.', level: 'SHOULD', section: '11.7.9', since: 'v1.10', area: 'receipts', testable: true },
      {
        id: 'R-CLIENT-UI',
        text: 'Clients SHOULD show receipts.',
        level: 'SHOULD',
        section: '11.7.1',
        since: 'v1.0',
        area: 'receipts',
        testable: false,
        why: 'client display behaviour cannot be observed from the server',
      },
    ],
    targets: [target('synapse', 'synapse', scenarios()), target('dendrite', 'dendrite', second)],
  };
}

async function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(await readFile(schemaPath, 'utf8')) as object);
}

/** Enough XML checking without a parser: tags nest, and text holds no raw < or bare &. */
function assertWellFormedXml(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const text = body.slice(last, m.index);
    expect(text).not.toMatch(/<|&(?!(?:amp|lt|gt|quot|apos|#\d+);)/);
    last = tag.lastIndex;
    const [, close, name, , selfClose] = m;
    if (close) expect(stack.pop()).toBe(name);
    else if (!selfClose) stack.push(name!);
  }
  expect(body.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
}

describe('compliance.json', () => {
  it('validates against the schema', async () => {
    const validate = await validator();
    const ok = validate(JSON.parse(renderJson(sampleReport())));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('rejects a bogus status', async () => {
    const validate = await validator();
    const data = JSON.parse(renderJson(sampleReport())) as { targets: { scenarios: { status: string }[] }[] };
    data.targets[0]!.scenarios[0]!.status = 'kinda-ok';
    expect(validate(data)).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain('/targets/0/scenarios/0/status');
  });

  it('rejects a malformed generatedAt', async () => {
    const validate = await validator();
    expect(validate({ ...sampleReport(), generatedAt: 'yesterday' })).toBe(false);
  });
});

describe('compliance.html', () => {
  const html = renderHtml(redactDeep(sampleReport()) as ComplianceReport);

  it('has a matrix with one column per target', () => {
    const matrix = html.slice(html.indexOf('<table id="matrix"'), html.indexOf('</table>', html.indexOf('<table id="matrix"')));
    expect(matrix).toContain('<th scope="col" class="target-col" data-target="synapse">');
    expect(matrix).toContain('<th scope="col" class="target-col" data-target="dendrite">');
    for (const st of STATUSES) expect(matrix).toContain(`data-status="${st}"`);
    expect(matrix).toContain('data-area-header="threads"');
    expect(matrix).toMatch(/data-scenario="receipt-fail" data-level="MUST" data-area="receipts" data-status="fail pass"/);
    // The failing cell opens onto its finding.
    expect(matrix).toContain('<details>');
    expect(matrix).toContain('receipt missing from ephemeral events');
    expect(matrix).toContain('Expected</h4>');
    expect(matrix).toContain('POST /_matrix/client/v3/rooms/!r:hs/receipt/m.read/$ev');
    expect(matrix).toContain('synapse#1234: receipts on redacted events');
    expect(matrix).toContain('Observed</h4>');
    // Unexpected results and known deviations are marked differently.
    expect(matrix).toContain('class="cell s-fail unexpected"');
    expect(matrix).toContain('class="cell s-fail known"');
  });

  it('has a rules table with worst verdicts, untested and untestable rules', () => {
    expect(html).toContain('<table id="rules-table"');
    expect(html).toMatch(/data-rule="R-RECEIPT-2"[^]*?<td class="cell s-fail" data-status="fail">fail<\/td><td class="cell s-fail"/);
    expect(html).toMatch(/data-rule="R-NEVER-CITED"[^]*?>untested<\/td>/);
    expect(html).toContain('not testable: client display behaviour cannot be observed from the server');
  });

  it('has filters, a legend and a level table', () => {
    for (const id of ['filter-level', 'filter-area', 'filter-status']) expect(html).toContain(`<select id="${id}">`);
    expect(html).toContain('<option value="federation">federation</option>');
    expect(html).toContain('known deviation');
    expect(html).toContain('<table id="level-table">');
    expect(html).toContain('v1.12');
    expect(html).toContain('http://synapse.localhost:8008');
    expect(html).toContain('Dendrite 1.2.3');
  });

  it('escapes report text and leaks no secrets', () => {
    expect(html).toContain('Escapes &lt;&amp;&quot;&gt; in titles');
    expect(html).not.toContain(TRICKY_TITLE);
    expect(html).not.toContain(TOKEN);
    expect(html).not.toContain(BEARER);
    expect(html).not.toMatch(/<(?:link|img)\b|src=|href="http/);
  });
});

describe('spec versions in the headers', () => {
  it('name each target tested at its own spec version', () => {
    const report = sampleReport();
    expect(renderHtml(report)).toContain(`<dt>Spec version tested</dt><dd>${report.spec.version}</dd>`);
    report.targets[1] = { ...report.targets[1]!, specVersion: 'r0.3.0' };
    expect(renderHtml(report)).toContain(`<dt>Spec version tested</dt><dd>${report.spec.version}; ${report.targets[1]!.id} at r0.3.0</dd>`);
    expect(renderMarkdown(report)).toContain(`spec **${report.spec.version}; ${report.targets[1]!.id} at r0.3.0**`);
  });
});

describe('compliance.md', () => {
  const md = renderMarkdown(sampleReport());

  it('has the summary table and the unexpected failure', () => {
    expect(md).toContain('| Target | Software | pass | fail | non-strict | info | unsupported | blocked | skip | error | unexpected | total | MUST / API / SHOULD checks broken |');
    expect(md).toMatch(/\| `synapse` \| Synapse 1\.2\.3 \| 1 \| 2 \| 1 \| 1 \| 1 \| 1 \| 1 \| 1 \| \*\*3\*\* ❗ \| 9 \| 3 \/ 0 \/ 1 \|/);
    expect(md).toContain('## Unexpected results and failures');
    expect(md).toContain('`receipt-fail`');
    expect(md).toContain('receipt missing from ephemeral events');
    expect(md).toContain('```json');
    expect(md).toContain('## Known deviations');
    expect(md).toContain('synapse#1234: receipts on redacted events');
    // A predicted skip is not a deviation from the spec.
    expect(md).not.toContain('`old-skip`');
  });

  it('stays under its byte budget with huge findings', () => {
    const report = sampleReport();
    const big = 'x'.repeat(50_000);
    for (const s of report.targets[0]!.scenarios) {
      s.unexpected = true;
      s.checks = [{ where: 'w', check: 'c', rules: ['R'], level: 'MUST', role: 'assert', status: 'fail', message: 'm', expected: big, actual: big }];
    }
    const many = Array.from({ length: 500 }, (_, i) => ({ ...report.targets[0]!.scenarios[1]!, id: `s${i}` }));
    report.targets[0]!.scenarios.push(...many);
    const out = renderMarkdown(report, 100_000);
    expect(Buffer.byteLength(out)).toBeLessThan(100_000);
    expect(out).toContain('more entries omitted');
  });
});

describe('junit.xml', () => {
  const xml = renderJunit(sampleReport());

  it('has one testcase per scenario and the right outcomes', () => {
    const report = sampleReport();
    const total = report.targets.reduce((n, t) => n + t.scenarios.length, 0);
    expect(xml.match(/<testcase /g)).toHaveLength(total);
    expect(xml.match(/<testsuite /g)).toHaveLength(2);
    expect(xml).toContain('<testsuite name="synapse" tests="9" failures="2" errors="1" skipped="1"');
    expect(xml).toMatch(/<failure message="fail \(expected pass\): m\.read receipt never reached \/sync" type="fail">/);
    expect(xml).toContain('<skipped message="spec version out of range"/>');
    expect(xml).toContain('<error message="error (expected pass): timeout waiting for /sync"');
    expect(xml).toContain('classname="synapse.threads"');
    expect(xml).toContain('<property name="level" value="SHOULD"/>');
    expect(xml).toMatch(/<system-out>Known deviation: fail[^<]*synapse#1234/);
  });

  it('a skip with no message is a bare <skipped/>', () => {
    const report = sampleReport();
    report.targets[0]!.scenarios.find((s) => s.status === 'skip')!.message = '';
    expect(renderJunit(report)).toContain('<skipped/>');
  });

  it('is escaped and well formed, control characters included', () => {
    expect(xml).toContain('name="receipt-pass — Escapes &lt;&amp;&quot;&gt; in titles"');
    const report = sampleReport();
    report.targets[0]!.scenarios[1]!.message = 'bad \u0001 byte & <tag> "q" \ud800';
    const nasty = renderJunit(report);
    expect(nasty).toContain('bad \\u0001 byte &amp; &lt;tag&gt; &quot;q&quot; \\ud800');
    assertWellFormedXml(xml);
    assertWellFormedXml(nasty);
  });
});

describe('redaction', () => {
  it('redacts tokens, headers, query strings, JSON keys and given secrets', () => {
    const text = [
      'Authorization: Bearer secret123',
      '/sync?since=s1&access_token=abc.def&timeout=0',
      '{"password": "hunter2", "mac":"0a1b", "registration_shared_secret" : "shh", "ok": "fine"}',
      'token syt_YWxpY2U_abcDEF_0xyz9 here',
      'macaroon MDAxYmxvY2F0aW9uIGxvY2FsaG9zdAowMDEzaWRlbnRpZmllciBrZXkK here',
      'custom very-secret-value',
    ].join('\n');
    const out = redact(text, ['very-secret-value', '']);
    expect(out).toContain('Bearer <redacted>');
    expect(out).toContain('access_token=<redacted>&timeout=0');
    expect(out).toContain('"password": "<redacted>"');
    expect(out).toContain('"mac":"<redacted>"');
    expect(out).toContain('"registration_shared_secret" : "<redacted>"');
    expect(out).toContain('"ok": "fine"');
    for (const leak of ['secret123', 'abc.def', 'hunter2', 'shh', 'syt_', 'MDAx', 'very-secret-value']) expect(out).not.toContain(leak);
    // Idempotent: running twice changes nothing more.
    expect(redact(out)).toBe(out);
  });

  it('redacts deeply without mutating the input', () => {
    const input = { a: [{ access_token: 'tok', shared_secret: 42, password: null }], b: `Bearer ${BEARER}`, n: 3 };
    const out = redactDeep(input, ['tok']);
    // Keys are left alone even when a short secret occurs inside them: the report's shape must survive.
    expect(out).toEqual({ a: [{ access_token: '<redacted>', shared_secret: '<redacted>', password: null }], b: 'Bearer <redacted>', n: 3 });
    expect(input.a[0]!.access_token).toBe('tok');
  });
});

describe('writeReports', () => {
  it('writes all four files, redacted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'receipts-reports-'));
    try {
      const { files } = await writeReports(sampleReport(), join(dir, 'nested'), { secrets: ['Dendrite'] });
      expect(files.map((f) => f.slice(f.lastIndexOf('/') + 1)).sort()).toEqual(['compliance.html', 'compliance.json', 'compliance.md', 'junit.xml']);
      for (const f of files) {
        const text = await readFile(f, 'utf8');
        expect(text, f).not.toContain(TOKEN);
        expect(text, f).not.toContain(BEARER);
        expect(text, f).not.toContain('Dendrite');
      }
      const validate = await validator();
      expect(validate(JSON.parse(await readFile(join(dir, 'nested', 'compliance.json'), 'utf8')))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
