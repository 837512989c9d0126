// The one registry of what must happen when the process ends: servers and containers the suite
// started are stopped on exit, on a crash and on Ctrl-C, so that nothing outlives a run.
const lastResorts = new Set<(why: string) => void>();
const graceful = new Set<() => Promise<void>>();
let installed = false;

const GRACE_MS = 10_000;

function install(): void {
  if (installed) return;
  installed = true;
  // Synchronous: the event loop is gone by now.
  process.on('exit', () => {
    for (const fn of lastResorts) fn('exit');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\nreceipts-conformance: ${sig} received, stopping what the run started\n`);
      const deadline = new Promise<void>((r) => setTimeout(r, GRACE_MS).unref());
      void Promise.race([Promise.allSettled([...graceful].map((fn) => fn())), deadline]).finally(() => {
        for (const fn of lastResorts) fn(sig);
        process.exit(sig === 'SIGINT' ? 130 : 143);
      });
    });
  }
}

/**
 * Registers a synchronous last resort (kill a process group, remove a container) run on exit and
 * after a signal's graceful stops, and an optional graceful stop run first on a signal. Returns a
 * function that unregisters both.
 */
export function onProcessEnd(lastResort: (why: string) => void, gracefulStop?: () => Promise<void>): () => void {
  install();
  lastResorts.add(lastResort);
  if (gracefulStop) graceful.add(gracefulStop);
  return () => {
    lastResorts.delete(lastResort);
    if (gracefulStop) graceful.delete(gracefulStop);
  };
}
