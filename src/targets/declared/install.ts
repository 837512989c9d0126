// Installs a declared target into ~/.cache/receipts-conformance/<name>-<version>/, once. The
// marker is written last, so an interrupted install is redone; a lock file makes two processes
// that start the same install at once build it one after the other.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, cacheRoot } from '../cache.ts';
import { TargetError } from '../target.ts';
import { acquireLock } from './lock.ts';
import { render } from './render.ts';
import { runLogged, onPath, findPython } from './run-logged.ts';
import type { InstallSpec, TargetFile } from './schema.ts';

export const MARKER = '.receipts-conformance-installed';
/** uv itself is installed from PyPI into the cache, pinned, the first time a target needs it. */
export const UV_VERSION = '0.13.9';
const BUILD_TIMEOUT_MS = 90 * 60_000;
const LOCK_TIMEOUT_MS = BUILD_TIMEOUT_MS + 5 * 60_000;

export interface Installed {
  dir: string;
  /** Set when this call installed it: how long that took. */
  installMs?: number;
}

type Log = (line: string) => void;

/** The marker holds the install block, so editing it in the target file causes a reinstall. */
function markerText(install: InstallSpec, version: string): string {
  return `${JSON.stringify({ version, install })}\n`;
}

function isInstalled(dir: string, expected: string): boolean {
  const marker = join(dir, MARKER);
  return existsSync(marker) && readFileSync(marker, 'utf8') === expected;
}

/** Runs `body` under the directory's lock unless the marker already matches. */
async function installOnce(dir: string, expected: string, what: string, log: Log, body: () => Promise<void>): Promise<number | undefined> {
  if (isInstalled(dir, expected)) return undefined;
  const lock = await acquireLock(join(dir, '.install.lock'), LOCK_TIMEOUT_MS, () => log(`waiting for another process that is installing ${what}…`));
  try {
    if (isInstalled(dir, expected)) return undefined;
    rmSync(join(dir, MARKER), { force: true });
    const started = performance.now();
    await body();
    writeFileSync(join(dir, MARKER), expected);
    return performance.now() - started;
  } finally {
    await lock.release();
  }
}

export function installDirOf(spec: Pick<TargetFile, 'name'>, version: string): string {
  return join(cacheRoot(), `${spec.name}-${version}`);
}

function checkRequires(spec: TargetFile, kindTool: string | undefined): void {
  const needed = [...(spec.requires ?? [])];
  if (kindTool && !needed.some((r) => r.command === kindTool)) needed.unshift({ command: kindTool, hint: `install ${kindTool}` });
  const missing = needed.filter((r) => !onPath(r.command));
  if (missing.length) {
    throw new TargetError(`${spec.name} ${spec.version} needs ${missing.map((m) => `"${m.command}" (${m.hint})`).join(', ')}, not found on PATH`);
  }
}

export async function ensureUv(log: Log): Promise<string> {
  const dir = cacheDir(`uv-${UV_VERSION}`);
  const uv = join(dir, 'venv', 'bin', 'uv');
  const ms = await installOnce(dir, `uv==${UV_VERSION}\n`, `uv ${UV_VERSION}`, log, async () => {
    log(`installing uv ${UV_VERSION} from PyPI into ${dir} (once)…`);
    const venv = join(dir, 'venv');
    rmSync(venv, { recursive: true, force: true });
    const logFile = join(dir, 'install.log');
    const py = findPython(undefined, homedir());
    await runLogged([py, '-m', 'venv', venv], { cwd: dir, logFile, timeoutMs: 120_000, what: 'python3 -m venv', hint: venvHint });
    await runLogged([join(venv, 'bin', 'pip'), 'install', '--disable-pip-version-check', `uv==${UV_VERSION}`], { cwd: dir, logFile, timeoutMs: 600_000, what: `pip install uv==${UV_VERSION}` });
  });
  if (ms !== undefined) log(`uv ready in ${(ms / 1000).toFixed(1)} s`);
  return uv;
}

const venvHint = (tail: string) => (/ensurepip|venv/.test(tail) ? 'Python needs its venv module (Debian: apt-get install python3-venv).' : undefined);

async function installPython(kind: 'pip' | 'uv', p: NonNullable<InstallSpec['pip']>, dir: string, version: string, log: Log): Promise<void> {
  const venv = join(dir, 'venv');
  const logFile = join(dir, 'install.log');
  const packages = p.packages.map((pkg) => render(pkg, { version }, 'install packages'));
  // A venv hard-codes its own path, so it is always rebuilt in place.
  rmSync(venv, { recursive: true, force: true });
  const python = findPython(p.python, homedir());
  log(`installing ${packages.join(' ')} with ${kind} (${python}) into ${venv}${p.exclude_newer ? `, dependencies as of ${p.exclude_newer}` : ''}…`);
  if (kind === 'pip') {
    await runLogged([python, '-m', 'venv', venv], { cwd: dir, logFile, timeoutMs: 120_000, what: `${python} -m venv`, hint: venvHint });
    await runLogged([join(venv, 'bin', 'pip'), 'install', '--disable-pip-version-check', ...packages], { cwd: dir, logFile, timeoutMs: BUILD_TIMEOUT_MS, what: `pip install ${packages.join(' ')}` });
    return;
  }
  const uv = await ensureUv(log);
  const env = { ...process.env, UV_CACHE_DIR: cacheDir('uv-cache'), UV_NO_CONFIG: '1', UV_PYTHON_DOWNLOADS: 'never' };
  await runLogged([uv, 'venv', '--python', python, venv], { cwd: dir, env, logFile, timeoutMs: 120_000, what: `uv venv --python ${python}` });
  const exclude = p.exclude_newer ? ['--exclude-newer', p.exclude_newer] : [];
  await runLogged([uv, 'pip', 'install', '--python', join(venv, 'bin', 'python'), ...exclude, ...packages], {
    cwd: dir,
    env,
    logFile,
    timeoutMs: BUILD_TIMEOUT_MS,
    what: `uv pip install ${packages.join(' ')}`,
  });
}

async function installCargo(c: NonNullable<InstallSpec['cargo']>, dir: string, version: string, log: Log): Promise<void> {
  const crateVersion = c.version ? render(c.version, { version }, 'install.cargo.version') : version;
  const targetDir = join(dir, 'cargo-target');
  const logFile = join(dir, 'install.log');
  log(`building ${c.crate} ${crateVersion} with cargo install --locked into ${dir} (once per version; can take 10+ minutes)…`);
  const features = c.features?.length ? ['--features', c.features.join(',')] : [];
  await runLogged(['nice', '-n', '10', 'cargo', 'install', '--locked', '--root', dir, ...features, `${c.crate}@${crateVersion}`], {
    cwd: dir,
    env: { ...process.env, CARGO_TARGET_DIR: targetDir },
    logFile,
    timeoutMs: BUILD_TIMEOUT_MS,
    what: `cargo install ${c.crate}@${crateVersion}`,
    hint: (tail) => (/pq-sys|libpq/.test(tail) ? 'The crate links libpq: install its headers (Debian: apt-get install libpq-dev).' : /linker `cc` not found/.test(tail) ? 'Install a C toolchain (Debian: apt-get install build-essential).' : undefined),
  });
  const missing = c.binaries.filter((b) => !existsSync(join(dir, 'bin', b)));
  if (missing.length) throw new TargetError(`cargo install ${c.crate} succeeded but ${missing.join(', ')} is missing from ${join(dir, 'bin')}`);
  // The build directory is over a gigabyte; only the binaries are needed to run.
  if (!c.keep_build_dir) rmSync(targetDir, { recursive: true, force: true });
}

async function installGo(g: NonNullable<InstallSpec['go']>, dir: string, version: string, log: Log): Promise<void> {
  const v = (g.version ? render(g.version, { version }, 'install.go.version') : version).replace(/^v/, '');
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  log(`building ${g.module}@v${v} with go install into ${bin} (once per version)…`);
  await runLogged(['nice', '-n', '10', 'go', 'install', ...g.packages.map((p) => `${g.module}/${p}@v${v}`)], {
    cwd: dir,
    env: { ...process.env, GOBIN: bin, GO111MODULE: 'on', CGO_ENABLED: g.cgo === false ? '0' : '1' },
    logFile: join(dir, 'install.log'),
    timeoutMs: BUILD_TIMEOUT_MS,
    what: `go install ${g.module}@v${v}`,
  });
}

async function installCommand(c: NonNullable<InstallSpec['command']>, dir: string, version: string, log: Log): Promise<void> {
  const values = { install_dir: dir, version };
  const argv = c.argv.map((a) => render(a, values, 'install.command.argv'));
  const env = Object.fromEntries(Object.entries(c.env ?? {}).map(([k, v]) => [k, render(v, values, `install.command.env.${k}`)]));
  log(`installing with: ${argv.join(' ')}`);
  await runLogged(argv, { cwd: dir, env: { ...process.env, ...env }, logFile: join(dir, 'install.log'), timeoutMs: BUILD_TIMEOUT_MS, what: argv[0]! });
  const missing = (c.creates ?? []).map((p) => render(p, values, 'install.command.creates')).filter((p) => !existsSync(p));
  if (missing.length) throw new TargetError(`the install command finished but did not create ${missing.join(', ')}`);
}

const TOOL: Record<keyof InstallSpec, string | undefined> = { cargo: 'cargo', pip: undefined, uv: undefined, go: 'go', command: undefined };

/** Installs the target's release into the cache unless already there; returns its directory. */
export async function ensureInstalled(spec: TargetFile, version: string, log: Log): Promise<Installed> {
  const dir = installDirOf(spec, version);
  const expected = markerText(spec.install, version);
  if (isInstalled(dir, expected)) return { dir };
  mkdirSync(dir, { recursive: true });
  const kind = Object.keys(spec.install)[0] as keyof InstallSpec;
  checkRequires(spec, TOOL[kind]);
  const ms = await installOnce(dir, expected, `${spec.name} ${version}`, log, async () => {
    const i = spec.install;
    if (i.cargo) await installCargo(i.cargo, dir, version, log);
    else if (i.pip) await installPython('pip', i.pip, dir, version, log);
    else if (i.uv) await installPython('uv', i.uv, dir, version, log);
    else if (i.go) await installGo(i.go, dir, version, log);
    else if (i.command) await installCommand(i.command, dir, version, log);
  });
  if (ms !== undefined) log(`installed ${spec.name} ${version} in ${(ms / 1000).toFixed(1)} s`);
  return { dir, ...(ms !== undefined ? { installMs: ms } : {}) };
}
