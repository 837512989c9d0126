// Starts the found Chromium the same way whatever its source: headless, no sandbox (CI runs as
// root), nothing that reaches for the network (this machine has none), and a fresh profile that is
// removed on close.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import type { FoundBrowser } from './find-browser.ts';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Launched {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(browser: FoundBrowser, timeoutMs = 30_000): Promise<Launched> {
  // Playwright refuses --user-data-dir in args; a persistent context is how it takes one.
  const userDataDir = mkdtempSync(join(tmpdir(), 'rc-chromium-profile-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: browser.executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      env: { ...process.env, ...browser.env },
      timeout: timeoutMs,
      viewport: { width: 1400, height: 1000 },
    });
    return {
      context,
      async close() {
        await context.close();
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
}
