// Starts a declared target and keeps it running until Ctrl-C, for running the suite against it
// by URL or poking at it by hand:
//   npx tsx test/targets/serve.ts fixtures/targets/palpo.yaml [--info FILE] [--report-dir DIR]
// The base URL is printed; --info writes {baseUrl, serverName, registration, startupMs} to FILE
// (mode 600: it holds the shared secret when there is one). Secrets are never printed.
import { writeFileSync, mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadTargetFile, startDeclaredTarget, TargetFileError } from '../../src/targets/declarative.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { info: { type: 'string' }, 'report-dir': { type: 'string' }, version: { type: 'string' } } });
const file = positionals[0];
if (!file) {
  console.error('usage: serve.ts TARGET_FILE [--info FILE] [--report-dir DIR] [--version V]');
  process.exit(2);
}
const reportDir = values['report-dir'] ?? '/tmp/rc-serve';
mkdirSync(reportDir, { recursive: true });
try {
  const spec = loadTargetFile(file);
  const t0 = performance.now();
  const handle = await startDeclaredTarget(spec, { reportDir, log: (l) => console.log(`[serve] ${l}`), ...(values.version ? { version: values.version } : {}) });
  const info = { baseUrl: handle.baseUrl, serverName: handle.serverName, software: handle.software, registration: handle.registration, startupMs: handle.startup?.ms, totalMs: Math.round(performance.now() - t0), pathVersion: handle.pathVersion, specVersion: handle.specVersion };
  if (values.info) writeFileSync(values.info, JSON.stringify(info, null, 2), { mode: 0o600 });
  console.log(`[serve] ${spec.name} ${handle.software?.version ?? ''} at ${handle.baseUrl} (server name ${handle.serverName}; registration ${handle.registration.mode}); Ctrl-C stops it`);
  const timer = setInterval(() => {
    const why = handle.failure();
    if (why) {
      console.error(`[serve] ${why}`);
      process.exit(1);
    }
  }, 1_000);
  process.once('SIGUSR2', () => {
    clearInterval(timer);
    void handle.stop().then(() => process.exit(0));
  });
} catch (err) {
  console.error(err instanceof TargetFileError ? err.message : (err as Error).message);
  process.exit(err instanceof TargetFileError ? 2 : 3);
}
