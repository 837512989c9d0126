// Downloads and builds live outside the repository, keyed by version, so that every checkout and
// every run on a machine shares them (the way Playwright caches browsers).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';

export function cacheRoot(): string {
  const root = process.env.RC_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'receipts-conformance');
  mkdirSync(root, { recursive: true });
  return root;
}

export function cacheDir(...parts: string[]): string {
  const dir = join(cacheRoot(), ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
