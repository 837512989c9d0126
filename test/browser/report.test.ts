// The HTML report in a real browser, driven by playwright-core. The test writes its own report
// (fixture-report.ts) with the project's writers, finds a Chromium itself (find-browser.ts: PATH,
// apt-get, or the one inside @sparticuz/chromium), checks the matrix, a filter and a failure's
// details, and saves a screenshot beside the report.
// RC_REPORT=path/to/compliance.html also checks a report a real run wrote.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { writeReports } from '../../reporters/index.ts';
import type { ComplianceReport } from '../../src/model.ts';
import { findBrowser, type FoundBrowser } from './find-browser.ts';
import { fixtureReport } from './fixture-report.ts';
import { launchChromium, type Launched } from './launch.ts';

// apt-get may have to install chromium first; find-browser bounds each of its steps.
const SETUP_TIMEOUT_MS = 15 * 60_000;

let browser: FoundBrowser;
let chromium: Launched;
let dir: string;

beforeAll(async () => {
  browser = findBrowser();
  process.stderr.write(`browser test: ${browser.source} ${browser.executablePath} (${browser.version})\n`);
  chromium = await launchChromium(browser);
  dir = mkdtempSync(join(tmpdir(), 'rc-browser-report-'));
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await chromium?.close();
  if (dir && !process.env.RC_KEEP_BROWSER_REPORT) rmSync(dir, { recursive: true, force: true });
});

async function open(html: string): Promise<Page> {
  const page = await chromium.context.newPage();
  await page.goto(pathToFileURL(html).href);
  return page;
}

/** The checks every report must pass, whatever its verdicts. */
async function checkMatrix(page: Page, report: ComplianceReport): Promise<void> {
  const ids = new Set(report.targets.flatMap((t) => t.scenarios.map((s) => s.id)));
  const rows = page.locator('#matrix tr.scenario');
  expect(await rows.count()).toBe(ids.size);
  expect(await rows.first().locator('td.cell').count()).toBe(report.targets.length);
  const heads = (await page.locator('#matrix thead th').allTextContents()).join(' ');
  for (const t of report.targets) expect(heads).toContain(t.id);
}

async function visibleStatuses(page: Page): Promise<string[]> {
  return page.locator('#matrix tr.scenario').evaluateAll((els) =>
    els.filter((e) => (e as HTMLElement).offsetParent !== null).map((e) => e.getAttribute('data-status') ?? ''),
  );
}

describe('compliance.html in Chromium', () => {
  it('shows the matrix, filters it by verdict and opens a failure', async () => {
    const report = fixtureReport();
    const { files } = await writeReports(report, dir);
    const html = files.find((f) => f.endsWith('.html'))!;
    const page = await open(html);
    await checkMatrix(page, report);

    // The fixture has pass rows and rows without any pass: the filter must keep only the first.
    const passRows = report.targets[0]!.scenarios.filter((s, i) => s.status === 'pass' || report.targets[1]!.scenarios[i]!.status === 'pass').length;
    await page.selectOption('#filter-status', 'pass');
    const visible = await visibleStatuses(page);
    expect(visible).toHaveLength(passRows);
    expect(passRows).toBeLessThan(report.targets[0]!.scenarios.length);
    for (const s of visible) expect(s.split(' ')).toContain('pass');
    await page.selectOption('#filter-status', '');
    expect(await visibleStatuses(page)).toHaveLength(report.targets[0]!.scenarios.length);

    // The fixture's one failure opens to expected against actual and its request.
    const failing = page.locator('#matrix td.cell[data-status="fail"] details');
    await expect.poll(() => failing.count()).toBe(1);
    await failing.locator('summary').click();
    await expect.poll(() => failing.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    const text = await failing.textContent();
    expect(text).toContain('Expected');
    expect(text).toContain('Actual');
    expect(text).toContain('/_matrix/client/v3/sync');

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(dir, 'compliance.png') });
    await page.close();
  }, 60_000);

  it.skipIf(!process.env.RC_REPORT)('shows a report a real run wrote (RC_REPORT)', async () => {
    const html = resolve(process.env.RC_REPORT!);
    const report = JSON.parse(readFileSync(join(dirname(html), 'compliance.json'), 'utf8')) as ComplianceReport;
    const page = await open(html);
    await checkMatrix(page, report);
    await page.screenshot({ path: join(dirname(html), 'compliance.png') });
    await page.close();
  }, 60_000);
});
