// The default target: a real Synapse, pip-installed from PyPI into a cached venv, on loopback.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync, rmSync, mkdtempSync, renameSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.ts';
import { cacheDir } from './cache.ts';
import { startLocalServer, localServerHandle, type Started } from './local-server.ts';
import { TargetError, type TargetHandle, type TargetOptions } from './target.ts';
import { fetchSoftware } from './software.ts';
import { startLocalAppService, checkAppService, withAppService, type LocalAppService } from '../appservice/setup.ts';

const run = promisify(execFile);
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const DEFAULT_SYNAPSE_VERSION = '1.163.2';
const SERVER_NAME = 'hs.rc.test';
const READY_TIMEOUT_MS = 180_000;

export interface SynapseOptions extends TargetOptions {
  version?: string;
  python?: string;
  /** Start from an empty database instead of the cached template (the benchmark's cold start). */
  fresh?: boolean;
}

/** Checks for a usable python3 (>= 3.10 with venv) and says exactly what is missing. */
async function findPython(explicit?: string): Promise<string> {
  const python = explicit || process.env.RC_PYTHON || 'python3';
  let out: string;
  try {
    out = (await run(python, ['-c', 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])'])).stdout.trim();
  } catch (err) {
    const msg = (err as { stderr?: string }).stderr || (err as Error).message;
    if (/No module named '?(venv|ensurepip)/.test(msg)) {
      throw new TargetError(`${python} has no venv/ensurepip module, which is needed to install Synapse. On Debian: apt-get install python3-venv`);
    }
    throw new TargetError(`Synapse needs python3 >= 3.10, but "${python}" could not be run: ${msg.trim().split('\n').pop()}. Install Python 3.10+ or set RC_PYTHON to its path.`);
  }
  const [major, minor] = out.split('.').map(Number);
  if (major !== 3 || (minor ?? 0) < 10) throw new TargetError(`Synapse needs python3 >= 3.10, but ${python} is ${out}. Set RC_PYTHON to a newer interpreter.`);
  return python;
}

/** Installs matrix-synapse==version into a cached venv once; later runs reuse it. */
export async function ensureSynapseInstalled(version: string, log: (l: string) => void, python?: string): Promise<string> {
  const base = cacheDir(`synapse-${version}`);
  const venv = join(base, 'venv');
  const marker = join(venv, '.receipts-conformance-installed');
  if (existsSync(marker)) return venv;
  const py = await findPython(python);
  log(`installing matrix-synapse==${version} into ${venv} (once per version)…`);
  const started = Date.now();
  // A venv hard-codes its own path, so it is built in place; the marker is written last, so an
  // interrupted install is simply redone.
  rmSync(venv, { recursive: true, force: true });
  try {
    await run(py, ['-m', 'venv', venv]);
    await run(join(venv, 'bin', 'pip'), ['install', '--disable-pip-version-check', '--quiet', `matrix-synapse==${version}`], { maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const detail = ((err as { stderr?: string }).stderr || (err as Error).message).trim().split('\n').slice(-8).join('\n');
    throw new TargetError(`pip could not install matrix-synapse==${version} into ${venv}:\n${detail}`);
  }
  writeFileSync(marker, `${version}\n`);
  log(`installed Synapse ${version} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return venv;
}

function renderConfig(dataDir: string, port: number, secrets: { registration: string; macaroon: string; form: string }, appserviceFile?: string): void {
  const template = readFileSync(join(projectRoot, 'fixtures/synapse/homeserver.yaml'), 'utf8');
  const values: Record<string, string> = {
    server_name: SERVER_NAME,
    data_dir: dataDir,
    port: String(port),
    registration_shared_secret: secrets.registration,
    macaroon_secret_key: secrets.macaroon,
    form_secret: secrets.form,
  };
  const rendered = template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const v = values[key];
    if (v === undefined) throw new Error(`homeserver.yaml template: unknown placeholder ${key}`);
    return v;
  });
  // The container target shares the template, so the application service is added here, not in it.
  const appservice = appserviceFile ? `\n# The suite's application service (src/appservice/), registered for this run only.\napp_service_config_files: [${JSON.stringify(appserviceFile)}]\n` : '';
  writeFileSync(join(dataDir, 'homeserver.yaml'), rendered + appservice);
  copyFileSync(join(projectRoot, 'fixtures/synapse/log.config'), join(dataDir, 'log.config'));
  // Synapse's key file format: "<algorithm> <version> <unpadded base64 seed>".
  const seed = randomBytes(32).toString('base64').replace(/=+$/, '');
  writeFileSync(join(dataDir, 'signing.key'), `ed25519 rc${randomBytes(3).toString('hex')} ${seed}\n`);
  mkdirSync(join(dataDir, 'media_store'), { recursive: true });
}

/** Starts Synapse and resolves once /_matrix/client/versions answers 200. */
function startSynapse(venv: string, dataDir: string, port: number, logFile: string): Promise<Started> {
  return startLocalServer({
    name: 'Synapse',
    command: join(venv, 'bin', 'python'),
    args: ['-m', 'synapse.app.homeserver', '-c', join(dataDir, 'homeserver.yaml')],
    cwd: dataDir,
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
    logFile,
    port,
    // Synapse prints this once its listener is bound.
    readyLine: /Synapse now listening on TCP port/,
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
}

/**
 * A fresh Synapse migrates about 130 schema deltas before it listens. The first run on a machine
 * does that once and keeps the migrated database as a template; later runs copy it.
 */
async function ensureDbTemplate(venv: string, version: string, log: (l: string) => void, logDir: string): Promise<{ template: string; coldMs?: number }> {
  const dir = cacheDir(`synapse-${version}`, 'db-template');
  const template = join(dir, 'homeserver.db');
  if (existsSync(template)) return { template };
  log('first start of this Synapse version: migrating a fresh database (20-60 s), kept as a template for later runs…');
  const dataDir = mkdtempSync(join(tmpdir(), 'rc-synapse-template-'));
  try {
    const port = await freePort();
    renderConfig(dataDir, port, { registration: randomBytes(16).toString('hex'), macaroon: randomBytes(16).toString('hex'), form: randomBytes(16).toString('hex') });
    const s = await startSynapse(venv, dataDir, port, join(logDir, 'synapse-template.log'));
    await s.proc.stop();
    const staging = `${template}.partial-${process.pid}`;
    copyFileSync(join(dataDir, 'homeserver.db'), staging);
    renameSync(staging, template);
    log(`database template ready (cold start took ${(s.ms / 1000).toFixed(1)} s)`);
    return { template, coldMs: s.ms };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function startSynapseTarget(opts: SynapseOptions): Promise<TargetHandle> {
  const version = opts.version || process.env.RC_SYNAPSE_VERSION || DEFAULT_SYNAPSE_VERSION;
  const logDir = join(opts.reportDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const venv = await ensureSynapseInstalled(version, opts.log, opts.python);
  const { template, coldMs } = opts.fresh ? { template: undefined, coldMs: undefined } : await ensureDbTemplate(venv, version, opts.log, logDir);

  const dataDir = mkdtempSync(join(tmpdir(), 'rc-synapse-'));
  if (template) copyFileSync(template, join(dataDir, 'homeserver.db'));
  const port = await freePort();
  const secrets = { registration: randomBytes(24).toString('hex'), macaroon: randomBytes(24).toString('hex'), form: randomBytes(24).toString('hex') };
  const logFile = join(logDir, 'synapse.log');
  rmSync(logFile, { force: true });
  let s: Started;
  let service: LocalAppService | undefined;
  try {
    // The receiver listens before Synapse starts: the registration names its port. Only a run
    // that needs it registers it: an application service costs the server work on every receipt.
    if (opts.appservice !== false) service = await startLocalAppService(dataDir, opts.log);
    renderConfig(dataDir, port, secrets, service?.file);
    opts.log(`starting Synapse ${version} on 127.0.0.1:${port} (log: ${logFile})`);
    s = await startSynapse(venv, dataDir, port, logFile);
  } catch (err) {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  opts.log(`Synapse ready in ${(s.ms / 1000).toFixed(1)} s (pid ${s.proc.pid})`);
  const appservice = service ? await checkAppService(s.baseUrl, service, opts.log) : { ok: false, reason: 'not registered: no selected scenario needs it' };
  const handle = localServerHandle({
    name: 'Synapse',
    started: s,
    logFile,
    dataDir,
    id: 'synapse',
    kind: 'synapse',
    serverName: SERVER_NAME,
    registration: { mode: 'shared-secret', sharedSecret: secrets.registration },
    software: (await fetchSoftware(s.baseUrl)) ?? { name: 'Synapse', version },
    startup: opts.fresh ? { ms: Math.round(s.ms), cold: true } : coldMs !== undefined ? { ms: Math.round(coldMs), cold: true } : { ms: Math.round(s.ms), cold: false },
    secrets: [secrets.registration, secrets.macaroon, secrets.form, ...(service?.secrets ?? [])],
    capabilities: { appservice },
    ...(service && appservice.ok ? { appservice: service.access } : {}),
  });
  return service ? withAppService(handle, service) : handle;
}
