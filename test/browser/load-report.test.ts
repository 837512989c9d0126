// The load report's charts in a real browser: every metric with data gets its two uPlot charts,
// each with one legend entry per target, and each target's colour is actually painted on the
// canvas. A page that throws, or charts left empty, fails here while the string tests pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeLoadReports } from '../../reporters/load/index.ts';
import { METRIC_IDS } from '../../src/load/report.ts';
import { okTarget, report, unusable } from '../load/fixture.ts';
import { findBrowser } from './find-browser.ts';
import { launchChromium, type Launched } from './launch.ts';

const SETUP_TIMEOUT_MS = 15 * 60_000;
// The first two colours of the page's palette, as RGB.
const TARGET_RGB: [number, number, number][] = [
  [0x1f, 0x77, 0xb4],
  [0xd6, 0x27, 0x28],
];

let chromium: Launched;
let dir: string;

beforeAll(async () => {
  chromium = await launchChromium(findBrowser());
  dir = mkdtempSync(join(tmpdir(), 'rc-browser-load-'));
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await chromium?.close();
  if (dir && !process.env.RC_KEEP_BROWSER_REPORT) rmSync(dir, { recursive: true, force: true });
});

describe('load-report.html in Chromium', () => {
  it('draws a distribution and a latency-over-time chart per metric, one series per target', async () => {
    // Two usable targets with different latencies, and one unusable that must draw nothing.
    const r = report([okTarget('synapse', false), okTarget('dendrite', false, 40), { ...unusable, id: 'palpo' }]);
    const { files } = await writeLoadReports(r, dir);
    const html = files.find((f) => f.endsWith('.html'))!;
    const page = await chromium.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.goto(pathToFileURL(html).href);

    const withData = METRIC_IDS.filter((m) => r.targets.some((t) => t.status === 'ok' && (t.cdf?.[m]?.length ?? 0) > 0));
    expect(withData.length).toBeGreaterThan(0);
    for (const m of withData) {
      for (const kind of ['cdf', 'time'] as const) {
        const chart = page.locator(`#${kind}-${m} .uplot`);
        await expect.poll(() => chart.count(), { timeout: 10_000 }).toBe(1);
        const legend = (await chart.locator('.u-legend .u-series').allTextContents()).join(' ');
        expect(legend, `${kind}-${m} legend`).toContain('synapse');
        expect(legend, `${kind}-${m} legend`).toContain('dendrite');
        expect(legend, `${kind}-${m} legend`).not.toContain('palpo');
        const painted = await chart.locator('canvas').evaluate((c, rgbs) => {
          const canvas = c as HTMLCanvasElement;
          const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
          return rgbs.map(([r, g, b]) => {
            let n = 0;
            for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i]! - r) < 8 && Math.abs(px[i + 1]! - g) < 8 && Math.abs(px[i + 2]! - b) < 8 && px[i + 3]! > 200) n++;
            return n;
          });
        }, TARGET_RGB);
        // A drawn line is hundreds of pixels; a legend swatch lives outside the canvas.
        expect(painted[0], `${kind}-${m}: synapse's series painted`).toBeGreaterThan(50);
        expect(painted[1], `${kind}-${m}: dendrite's series painted`).toBeGreaterThan(50);
      }
    }
    // A metric without samples gets no chart rather than an empty one.
    const empty = METRIC_IDS.filter((m) => !withData.includes(m));
    for (const m of empty) expect(await page.locator(`#cdf-${m}`).count()).toBe(0);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(dir, 'load-report.png'), fullPage: true });
    await page.close();
  }, 60_000);
});
