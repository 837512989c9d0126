// Finds a Chromium for the report's browser test, so that `npm test` needs nothing installed by
// hand. Sources, tried in order (RC_BROWSER_SOURCE=npm, or a comma list, forces some of them):
//   env  RC_CHROMIUM=/path/to/chrome
//   path a chromium or chrome on PATH or at a known location
//   apt  Debian's chromium via apt-get, when running as root with apt-get available
//   npm  the headless Chromium shipped compressed inside @sparticuz/chromium (Linux x64), unpacked
//        once into ~/.cache/receipts-conformance/chromium-npm-<version>/
// Every candidate must answer `--version` before it is used: a binary missing its shared
// libraries fails there with the loader's message rather than deep inside Playwright.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheDir, cacheRoot } from '../../src/targets/cache.ts';

export type BrowserSource = 'env' | 'path' | 'apt' | 'npm';
export const SOURCES: readonly BrowserSource[] = ['env', 'path', 'apt', 'npm'];

export interface FoundBrowser {
  executablePath: string;
  source: BrowserSource;
  /** What the binary says of itself (`--version`). */
  version: string;
  /** Environment additions the binary needs (fontconfig for the npm build). */
  env: Record<string, string>;
}

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];
const KNOWN_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/lib/chromium/chromium',
  '/usr/bin/google-chrome',
  '/opt/google/chrome/chrome',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];
const VERSION_TIMEOUT_MS = 15_000;
const APT_UPDATE_TIMEOUT_MS = 180_000;
const APT_INSTALL_TIMEOUT_MS = 600_000;
const UNPACK_TIMEOUT_MS = 180_000;
const MARKER = '.receipts-conformance-unpacked';
const FONTS_CONF = 'receipts-conformance-fonts.conf';

function fontsConf(dir: string): string {
  return `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${join(dir, 'fonts', 'fonts')}</dir>
  <cachedir>${join(dir, 'fonts-cache')}</cachedir>
</fontconfig>
`;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The binary's own version line, or an Error saying why it does not start. */
function probe(file: string, env: Record<string, string> = {}): string | Error {
  const r = spawnSync(file, ['--headless', '--no-sandbox', '--version'], {
    encoding: 'utf8',
    timeout: VERSION_TIMEOUT_MS,
    env: { ...process.env, ...env },
  });
  if (r.error) return r.error;
  if (r.status !== 0) return new Error(`${file} --version exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  return r.stdout.trim().split('\n').pop() ?? '';
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

type Attempt = { found: FoundBrowser } | { why: string };

function tryFile(file: string, source: BrowserSource, env: Record<string, string> = {}): Attempt {
  const version = probe(file, env);
  if (version instanceof Error) return { why: version.message };
  return { found: { executablePath: file, source, version, env } };
}

function fromEnv(): Attempt {
  const file = process.env.RC_CHROMIUM;
  if (!file) return { why: 'RC_CHROMIUM is not set' };
  if (!existsSync(file)) return { why: `RC_CHROMIUM=${file} does not exist` };
  return tryFile(file, 'env');
}

function fromPath(): Attempt {
  const candidates = [...new Set([...NAMES.map(onPath), ...KNOWN_PATHS].filter((f): f is string => !!f && executable(f)))];
  const whys: string[] = [];
  for (const file of candidates) {
    const a = tryFile(file, 'path');
    if ('found' in a) return a;
    whys.push(a.why);
  }
  return { why: candidates.length ? whys.join('; ') : `none of ${NAMES.join(', ')} on PATH or at the usual locations` };
}

function fromApt(): Attempt {
  if (process.platform !== 'linux') return { why: 'not Linux' };
  if (process.getuid?.() !== 0) return { why: 'not running as root' };
  if (!onPath('apt-get')) return { why: 'no apt-get' };
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args: string[], timeout: number) => spawnSync('apt-get', args, { env, encoding: 'utf8', timeout, stdio: ['ignore', 'ignore', 'pipe'] });
  process.stderr.write('browser test: installing Debian\'s chromium with apt-get (once per machine)\n');
  const update = run(['update', '-qq'], APT_UPDATE_TIMEOUT_MS);
  if (update.error || update.status !== 0) return { why: `apt-get update failed: ${update.error?.message ?? update.stderr.trim().slice(0, 300)}` };
  const install = run(['install', '-y', '-qq', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=120', 'chromium'], APT_INSTALL_TIMEOUT_MS);
  if (install.error || install.status !== 0) return { why: `apt-get install chromium failed: ${install.error?.message ?? install.stderr.trim().slice(0, 300)}` };
  const file = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(executable);
  return file ? tryFile(file, 'apt') : { why: 'apt-get installed chromium but no /usr/bin/chromium appeared' };
}

/** Where @sparticuz/chromium is installed, or undefined when it is not. */
function npmPackageDir(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
    let dir = dirname(entry);
    while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== '@sparticuz/chromium') {
      if (dirname(dir) === dir) return undefined;
      dir = dirname(dir);
    }
    return dir;
  } catch {
    return undefined;
  }
}

function fromNpm(): Attempt {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { why: `@sparticuz/chromium ships Linux x64 only (this is ${process.platform} ${process.arch})` };
  const pkg = npmPackageDir();
  if (!pkg) return { why: '@sparticuz/chromium is not installed (npm ci installs it as a dev dependency)' };
  const version = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version as string;
  const dir = join(cacheRoot(), `chromium-npm-${version}`);
  // The package's own fonts.conf names Lambda's folders; ours adds its fonts to the system's.
  const env = { FONTCONFIG_FILE: join(dir, FONTS_CONF) };
  if (!existsSync(join(dir, MARKER))) {
    // The package unpacks into os.tmpdir(); a child with TMPDIR pointed at a staging folder keeps
    // that out of /tmp, and the rename makes a half-unpacked copy impossible to pick up.
    const staging = cacheDir(`chromium-npm-${version}.partial-${process.pid}`);
    const entry = pathToFileURL(createRequire(import.meta.url).resolve('@sparticuz/chromium')).href;
    const script = `const m = await import(${JSON.stringify(entry)}); console.log(await m.default.executablePath());`;
    process.stderr.write(`browser test: unpacking @sparticuz/chromium ${version} into ${dir}\n`);
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, TMPDIR: staging },
      encoding: 'utf8',
      timeout: UNPACK_TIMEOUT_MS,
    });
    if (r.error || r.status !== 0) {
      rmSync(staging, { recursive: true, force: true });
      return { why: `unpacking @sparticuz/chromium failed: ${r.error?.message ?? r.stderr.trim().slice(0, 300)}` };
    }
    writeFileSync(join(staging, FONTS_CONF), fontsConf(dir));
    writeFileSync(join(staging, MARKER), `${version}\n`);
    try {
      renameSync(staging, dir);
    } catch {
      // Another process finished first: its copy is as good as ours.
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return tryFile(join(dir, 'chromium'), 'npm', env);
}

const FINDERS: Record<BrowserSource, () => Attempt> = { env: fromEnv, path: fromPath, apt: fromApt, npm: fromNpm };

/** The sources to try: RC_BROWSER_SOURCE (comma list) or all of them, in order. */
export function sourcesFromEnv(value = process.env.RC_BROWSER_SOURCE): BrowserSource[] {
  if (!value) return [...SOURCES];
  const picked = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = picked.filter((s) => !SOURCES.includes(s as BrowserSource));
  if (bad.length) throw new Error(`RC_BROWSER_SOURCE: unknown source ${bad.join(', ')} (use ${SOURCES.join(', ')})`);
  return picked as BrowserSource[];
}

export function findBrowser(sources: readonly BrowserSource[] = sourcesFromEnv()): FoundBrowser {
  const tried: string[] = [];
  for (const source of sources) {
    const a = FINDERS[source]();
    if ('found' in a) return a.found;
    tried.push(`  ${source}: ${a.why}`);
  }
  throw new Error(
    [
      'No Chromium or Chrome for the browser test. Tried:',
      ...tried,
      'Install one of them: `apt-get install chromium` (Debian, Ubuntu), `dnf install chromium` (Fedora),',
      'Google Chrome; or run `npm ci`, which brings @sparticuz/chromium (Linux x64); or point',
      'RC_CHROMIUM at a Chromium-based browser.',
    ].join('\n'),
  );
}

// `npx tsx test/browser/find-browser.ts` prints what the test would use.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const b = findBrowser();
    console.log(`${b.source}\t${b.executablePath}\t${b.version}`);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
