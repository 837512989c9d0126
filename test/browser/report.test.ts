// The HTML report in a real browser: Debian's chromium driven by playwright-core, no browser
// download. It loads the report the conformance run just wrote (RC_REPORT, default
// reports/compliance.html), checks the matrix and a filter, and saves a screenshot beside it.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const report = resolve(process.env.RC_REPORT ?? 'reports/compliance.html');
const executablePath = process.env.RC_CHROMIUM ?? '/usr/bin/chromium';

describe('compliance.html in Chromium', () => {
  it('shows the matrix and filters it by verdict', async () => {
    expect(existsSync(report), `${report} is missing: run the conformance suite first`).toBe(true);
    expect(existsSync(executablePath), `${executablePath} is missing: apt-get install chromium`).toBe(true);
    const browser = await chromium.launch({
      executablePath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(pathToFileURL(report).href);
      const targets = await page.locator('#matrix thead th').allTextContents();
      const rows = page.locator('#matrix tr.scenario');
      const total = await rows.count();
      // The matrix holds every scenario of the JSON report, with one column per target.
      const json = JSON.parse(readFileSync(join(dirname(report), 'compliance.json'), 'utf8'));
      const ids = new Set(json.targets.flatMap((t: { scenarios: { id: string }[] }) => t.scenarios.map((s) => s.id)));
      expect(total).toBe(ids.size);
      expect(await rows.first().locator('td.cell').count()).toBe(json.targets.length);
      for (const t of json.targets) expect(targets.join(' ')).toContain(t.id);

      // Filtering by a verdict leaves only rows that carry it.
      await page.selectOption('#filter-status', 'pass');
      const visible = await rows.evaluateAll((els) => els.filter((e) => (e as HTMLElement).offsetParent !== null).map((e) => e.getAttribute('data-status') ?? ''));
      expect(visible.length).toBeGreaterThan(0);
      expect(visible.length).toBeLessThan(total);
      expect(visible.every((s) => s.split(' ').includes('pass'))).toBe(true);
      await page.selectOption('#filter-status', '');

      // A failing cell opens to expected against actual.
      const failing = page.locator('#matrix td.cell[data-status="fail"] details').first();
      if ((await failing.count()) > 0) {
        await failing.locator('summary').click();
        await expect.poll(async () => failing.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
        expect(await failing.textContent()).toMatch(/Expected|expected/);
      }
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(dirname(report), 'compliance.png'), fullPage: false });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
