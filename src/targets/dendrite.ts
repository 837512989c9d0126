// A real Dendrite, built from its Go module source into the cache once per version, on loopback.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { cacheDir } from './cache.ts';
import { startLocalServer, localServerHandle, type Started } from './local-server.ts';
import { TargetError, type TargetHandle, type TargetOptions } from './target.ts';
import { freePort } from './ports.ts';
import { fetchSoftware } from './software.ts';
import { startLocalAppService, checkAppService, withAppService, type LocalAppService } from '../appservice/setup.ts';

const run = promisify(execFile);
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const DEFAULT_DENDRITE_VERSION = '0.13.8';
export const DENDRITE_SERVER_NAME = 'dendrite.rc.test';
const MODULE = 'github.com/matrix-org/dendrite';
const BINARIES = ['dendrite', 'generate-keys'] as const;
const READY_TIMEOUT_MS = 120_000;
// Dendrite logs "Starting external listener" just before it binds, so the first request may
// still be refused for a moment; refused connections are retried for this long.
const BIND_GRACE_MS = 5_000;

export interface DendriteOptions extends TargetOptions {
  version?: string;
  /** The go binary; RC_GO or "go" on PATH otherwise. */
  go?: string;
}

function normaliseVersion(version: string): string {
  return version.replace(/^v/, '');
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** Checks that `go` runs and says exactly what is missing when it does not. */
async function findGo(explicit?: string): Promise<string> {
  const go = explicit || process.env.RC_GO || 'go';
  try {
    await run(go, ['version']);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'was not found' : `could not be run (${((err as { stderr?: string }).stderr || (err as Error).message).trim().split('\n').pop()})`;
    throw new TargetError(
      `Dendrite is built from source and needs the Go toolchain (>= 1.21) and gcc, but "${go}" ${why}. Install Go from https://go.dev/dl/ or set RC_GO to the go binary.`,
    );
  }
  return go;
}

/**
 * Builds dendrite and generate-keys @v<version> into the cache once; later runs reuse them. The
 * marker is written last, so an interrupted build is simply redone. Returns the bin directory.
 */
export async function ensureDendriteBuilt(version: string, log: (l: string) => void, goBinary?: string): Promise<string> {
  const v = normaliseVersion(version);
  const base = cacheDir(`dendrite-${v}`);
  const bin = join(base, 'bin');
  const marker = join(base, '.receipts-conformance-built');
  if (existsSync(marker) && BINARIES.every((b) => existsSync(join(bin, b)))) return bin;
  const go = await findGo(goBinary);
  log(`building Dendrite ${v} into ${bin} with go install (once per version; 1-5 minutes)…`);
  const started = Date.now();
  rmSync(marker, { force: true });
  mkdirSync(bin, { recursive: true });
  const buildLog = join(base, 'build.log');
  try {
    // CGO_ENABLED=1 selects the mattn/go-sqlite3 driver (internal/sqlutil/sqlite_cgo.go).
    const { stdout, stderr } = await run(go, ['install', ...BINARIES.map((b) => `${MODULE}/cmd/${b}@v${v}`)], {
      cwd: base,
      env: { ...process.env, CGO_ENABLED: '1', GOBIN: bin, GO111MODULE: 'on' },
      maxBuffer: 64 * 1024 * 1024,
    });
    writeFileSync(buildLog, stdout + stderr);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message;
    writeFileSync(buildLog, output);
    const hint = /C compiler .* not found|exec: "?gcc"?: executable file not found/.test(output)
      ? '\nDendrite needs cgo for SQLite: install gcc (Debian: apt-get install gcc).'
      : '';
    throw new TargetError(`go install of Dendrite v${v} failed (full output: ${buildLog}):\n${lastLines(output, 15)}${hint}`);
  }
  const missing = BINARIES.filter((b) => !existsSync(join(bin, b)));
  if (missing.length) throw new TargetError(`go install of Dendrite v${v} reported success but ${missing.join(', ')} is missing from ${bin}`);
  writeFileSync(marker, `${v}\n`);
  log(`built Dendrite ${v} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return bin;
}

export interface DendriteConfigValues {
  serverName: string;
  dataDir: string;
  registrationSharedSecret: string;
  /** Application-service registration files (app_service_api.config_files). */
  appserviceFiles?: string[];
}

/** Fills fixtures/dendrite/dendrite.yaml; an unknown placeholder is a bug in the template. */
export function renderDendriteConfig(values: DendriteConfigValues): string {
  const template = readFileSync(join(projectRoot, 'fixtures/dendrite/dendrite.yaml'), 'utf8');
  const map: Record<string, string> = {
    server_name: values.serverName,
    data_dir: values.dataDir,
    registration_shared_secret: values.registrationSharedSecret,
    appservice_config_files: JSON.stringify(values.appserviceFiles ?? []),
  };
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const v = map[key];
    if (v === undefined) throw new Error(`dendrite.yaml template: unknown placeholder ${key}`);
    return v;
  });
}

/** Writes the config and a fresh signing key into the (empty) data directory. */
async function prepareDataDir(bin: string, dataDir: string, sharedSecret: string, appserviceFile: string | undefined): Promise<string> {
  const configPath = join(dataDir, 'dendrite.yaml');
  writeFileSync(configPath, renderDendriteConfig({ serverName: DENDRITE_SERVER_NAME, dataDir, registrationSharedSecret: sharedSecret, appserviceFiles: appserviceFile ? [appserviceFile] : [] }));
  mkdirSync(join(dataDir, 'media_store'), { recursive: true });
  mkdirSync(join(dataDir, 'jetstream'), { recursive: true });
  try {
    await run(join(bin, 'generate-keys'), ['--private-key', join(dataDir, 'matrix_key.pem')], { cwd: dataDir });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new TargetError(`generate-keys could not write a signing key: ${lastLines(e.stderr || e.message, 8)}`);
  }
  return configPath;
}

/**
 * The command line: one plain-HTTP listener for client, federation and admin APIs, on loopback only.
 * Open registration is what Dendrite requires before it hands out guest accounts (see dendrite.yaml).
 */
export function dendriteArgs(configPath: string, port: number): string[] {
  return ['--config', configPath, '--http-bind-address', `127.0.0.1:${port}`, '--really-enable-open-registration'];
}

/** Starts Dendrite and resolves once /_matrix/client/versions answers 200. */
function startDendrite(bin: string, dataDir: string, configPath: string, port: number, logFile: string): Promise<Started> {
  return startLocalServer({
    name: 'Dendrite',
    command: join(bin, 'dendrite'),
    args: dendriteArgs(configPath, port),
    cwd: dataDir,
    logFile,
    port,
    // setup/base/base.go logs this once every component is up, just before ListenAndServe.
    readyLine: /Starting external listener on/,
    readyTimeoutMs: READY_TIMEOUT_MS,
    bindGraceMs: BIND_GRACE_MS,
  });
}

export async function startDendriteTarget(opts: DendriteOptions): Promise<TargetHandle> {
  const version = normaliseVersion(opts.version || process.env.RC_DENDRITE_VERSION || DEFAULT_DENDRITE_VERSION);
  const logDir = join(opts.reportDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const bin = await ensureDendriteBuilt(version, opts.log, opts.go);

  // Every run starts from empty SQLite databases: Dendrite migrates them in about a second, so
  // unlike Synapse there is no database template, and every start is a cold one.
  const dataDir = mkdtempSync(join(tmpdir(), 'rc-dendrite-'));
  const sharedSecret = randomBytes(24).toString('hex');
  const logFile = join(logDir, 'dendrite.log');
  rmSync(logFile, { force: true });
  let s: Started;
  let service: LocalAppService | undefined;
  try {
    // The receiver listens before Dendrite starts: the registration names its port. Only a run
    // that needs it registers it.
    if (opts.appservice !== false) service = await startLocalAppService(dataDir, opts.log);
    const configPath = await prepareDataDir(bin, dataDir, sharedSecret, service?.file);
    const port = await freePort();
    opts.log(`starting Dendrite ${version} on 127.0.0.1:${port} (log: ${logFile})`);
    s = await startDendrite(bin, dataDir, configPath, port, logFile);
  } catch (err) {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  opts.log(`Dendrite ready in ${(s.ms / 1000).toFixed(1)} s (pid ${s.proc.pid})`);
  const appservice = service ? await checkAppService(s.baseUrl, service, opts.log) : { ok: false, reason: 'not registered: no selected scenario needs it' };
  const handle = localServerHandle({
    name: 'Dendrite',
    started: s,
    logFile,
    dataDir,
    id: 'dendrite',
    kind: 'dendrite',
    serverName: DENDRITE_SERVER_NAME,
    registration: { mode: 'shared-secret', sharedSecret },
    software: (await fetchSoftware(s.baseUrl)) ?? { name: 'Dendrite', version },
    startup: { ms: Math.round(s.ms), cold: true },
    secrets: [sharedSecret, ...(service?.secrets ?? [])],
    capabilities: { appservice },
    ...(service && appservice.ok ? { appservice: service.access } : {}),
  });
  return service ? withAppService(handle, service) : handle;
}
