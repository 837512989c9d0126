// Per-run directories (server data, PostgreSQL cluster) that are removed when the run ends,
// also when it ends through Ctrl-C or an uncaught error: process.ts stops the processes first,
// then this 'exit' hook removes what they left.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pending = new Set<string>();
let hooked = false;

export function makeRunDir(prefix: string): string {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const d of pending) rmSync(d, { recursive: true, force: true });
    });
  }
  const dir = mkdtempSync(join(tmpdir(), prefix));
  pending.add(dir);
  return dir;
}

export function removeRunDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  pending.delete(dir);
}
