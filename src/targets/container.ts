// A Synapse in a container, started with testcontainers 11 (Node 20).
//
// Two network modes:
//  - bridge (default; a normal CI runner with a registry, e.g. GitHub Actions with the public
//    matrixdotorg/synapse image): Synapse listens on 0.0.0.0:8008 inside the container, port 8008
//    is exposed and mapped, readiness is Wait.forHttp('/_matrix/client/versions', 8008) and the
//    base URL comes from getHost()/getMappedPort().
//  - host (hostNetwork: true or RC_CONTAINER_NETWORK=host; a daemon started with --bridge=none,
//    see scripts/container/dockerd.sh): the container shares the harness's loopback. Synapse listens
//    on a free 127.0.0.1 port written into its config; no port is exposed (exposed ports time out
//    in host mode and getMappedPort/Wait.forHttp cannot work), readiness is a log-message wait
//    followed by a /versions check from the harness itself.
//
// Ryuk is disabled where the daemon has no registry, so nothing reaps a forgotten container: every
// path out of startContainerTarget, including a failed wait and a signal, removes the container.
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, type WriteStream } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { GenericContainer, Wait, getContainerRuntimeClient, ImageName, type StartedTestContainer } from 'testcontainers';
import { TargetError, type TargetHandle, type TargetOptions } from './target.ts';
import { DEFAULT_SYNAPSE_VERSION } from './synapse.ts';
import { freePort } from './ports.ts';
import { onProcessEnd } from './exit-hooks.ts';
import { probeDocker } from './docker.ts';

export { dockerEndpoint, probeDocker } from './docker.ts';
import { fetchSoftware } from './software.ts';
import { tailFile } from './process.ts';
import { httpRequest } from '../client/http.ts';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const SERVER_NAME = 'hs.rc.test';
/** Synapse's conventional port, used inside the container in bridge mode. */
export const CONTAINER_PORT = 8008;
/** Where the rendered data folder is copied inside the container. */
export const CONTAINER_DATA_DIR = '/data';
export const READY_TIMEOUT_MS = 180_000;

export function readyTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.RC_CONTAINER_READY_TIMEOUT_MS);
  return Number.isInteger(n) && n > 0 ? n : READY_TIMEOUT_MS;
}
/** Printed by Synapse once its listeners are bound. */
export const LISTENING_PATTERN = /Synapse now listening on TCP port \d+/;
/** Labels every container this target starts, so that leftovers can be found and removed. */
export const CONTAINER_LABEL = 'org.receipts-conformance.target';

export type NetworkMode = 'host' | 'bridge';

export interface ContainerOptions extends TargetOptions {
  /** Defaults: RC_CONTAINER_IMAGE, else receipts-conformance/synapse:<version> in host mode and matrixdotorg/synapse:v<version> in bridge mode. */
  image?: string;
  /** Host networking (no port mapping); default from RC_CONTAINER_NETWORK=host, else bridge. */
  hostNetwork?: boolean;
  /** The Synapse version in the image; default from the image tag, else RC_SYNAPSE_VERSION, else 1.163.2. */
  synapseVersion?: string;
}

import { ContainerRuntimeUnavailable } from './container-errors.ts';

export { ContainerRuntimeUnavailable };

export function networkModeFrom(hostNetwork: boolean | undefined, env: NodeJS.ProcessEnv = process.env): NetworkMode {
  if (hostNetwork !== undefined) return hostNetwork ? 'host' : 'bridge';
  const v = (env.RC_CONTAINER_NETWORK ?? '').trim().toLowerCase();
  if (v === '' || v === 'bridge') return 'bridge';
  if (v === 'host') return 'host';
  throw new TargetError(`RC_CONTAINER_NETWORK must be host or bridge, got "${env.RC_CONTAINER_NETWORK}"`);
}

/** "matrixdotorg/synapse:v1.163.2" and "receipts-conformance/synapse:1.163.2" both give 1.163.2. */
export function versionFromImage(image: string): string | undefined {
  const tag = /:([^/:@]+)(?:@.*)?$/.exec(image)?.[1];
  return tag ? /^v?(\d+\.\d+\.\d+(?:rc\d+)?)$/.exec(tag)?.[1] : undefined;
}

export function defaultImage(mode: NetworkMode, version: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.RC_CONTAINER_IMAGE) return env.RC_CONTAINER_IMAGE;
  return mode === 'host' ? `receipts-conformance/synapse:${version}` : `matrixdotorg/synapse:v${version}`;
}

export interface ConfigValues {
  port: number;
  bindAddress: string;
  /** What clients are told; the harness's view. */
  publicBaseUrl: string;
  dataDir: string;
  secrets: { registration: string; macaroon: string; form: string };
}

/**
 * Renders fixtures/synapse/homeserver.yaml (the synapse target's template) for a container: paths
 * point inside the container, and in bridge mode the listener binds 0.0.0.0 so the mapped port
 * reaches it.
 */
export function renderContainerConfig(template: string, v: ConfigValues): string {
  const values: Record<string, string> = {
    server_name: SERVER_NAME,
    data_dir: v.dataDir,
    port: String(v.port),
    registration_shared_secret: v.secrets.registration,
    macaroon_secret_key: v.secrets.macaroon,
    form_secret: v.secrets.form,
  };
  let out = template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`homeserver.yaml template: unknown placeholder ${key}`);
    return value;
  });
  const bind = /bind_addresses: \["127\.0\.0\.1"\]/;
  const publicUrl = /public_baseurl: "[^"]*"/;
  if (!bind.test(out) || !publicUrl.test(out)) throw new Error('homeserver.yaml template: expected bind_addresses ["127.0.0.1"] and public_baseurl lines');
  out = out.replace(bind, `bind_addresses: ["${v.bindAddress}"]`).replace(publicUrl, `public_baseurl: "${v.publicBaseUrl}"`);
  return out;
}

export interface ContainerPlan {
  image: string;
  networkMode: NetworkMode;
  /** The port Synapse listens on (inside the container; the same as on the host in host mode). */
  port: number;
  bindAddress: string;
  exposedPorts: number[];
  entrypoint: string[];
  command: string[];
  wait: { kind: 'log'; pattern: RegExp } | { kind: 'http'; path: string; port: number };
  /** Base URL when it is known before start (host mode); bridge mode learns it from the mapping. */
  baseUrl?: string;
}

/**
 * Everything about the container that does not need a daemon. `python` is on PATH in both the
 * official image (python:*-slim, Synapse in /usr/local) and ours (/opt/synapse/bin first on PATH);
 * overriding the official /start.py entrypoint keeps it from generating a config or dropping to
 * uid 991, which could not write the copied data folder.
 */
export function planContainer(p: { image: string; networkMode: NetworkMode; hostPort?: number }): ContainerPlan {
  const entrypoint = ['python', '-m', 'synapse.app.homeserver'];
  const command = ['-c', `${CONTAINER_DATA_DIR}/homeserver.yaml`];
  if (p.networkMode === 'host') {
    if (!p.hostPort) throw new Error('host network mode needs a host port');
    return {
      image: p.image,
      networkMode: 'host',
      port: p.hostPort,
      bindAddress: '127.0.0.1',
      exposedPorts: [],
      entrypoint,
      command,
      wait: { kind: 'log', pattern: LISTENING_PATTERN },
      baseUrl: `http://127.0.0.1:${p.hostPort}`,
    };
  }
  return {
    image: p.image,
    networkMode: 'bridge',
    port: CONTAINER_PORT,
    bindAddress: '0.0.0.0',
    exposedPorts: [CONTAINER_PORT],
    entrypoint,
    command,
    wait: { kind: 'http', path: '/_matrix/client/versions', port: CONTAINER_PORT },
  };
}

/** Where the Docker API is, as testcontainers and the docker CLI would take it. */
/** Writes homeserver.yaml, log.config, signing.key and media_store into a host folder. */
function writeDataDir(dir: string, config: string): void {
  writeFileSync(join(dir, 'homeserver.yaml'), config);
  copyFileSync(join(projectRoot, 'fixtures/synapse/log.config'), join(dir, 'log.config'));
  // Synapse's key file format: "<algorithm> <version> <unpadded base64 seed>".
  const seed = randomBytes(32).toString('base64').replace(/=+$/, '');
  writeFileSync(join(dir, 'signing.key'), `ed25519 rc${randomBytes(3).toString('hex')} ${seed}\n`);
  mkdirSync(join(dir, 'media_store'), { recursive: true });
}

/** Removes the container by id whatever state it is in; used after failures and on exit. */
async function removeById(id: string): Promise<void> {
  const client = await getContainerRuntimeClient();
  const c = client.container.getById(id);
  await client.container.stop(c, { timeout: 0 }).catch(() => undefined);
  await client.container.remove(c, { removeVolumes: true }).catch((err: Error) => {
    if (!/no such container|404/i.test(err.message)) throw err;
  });
}

// A synchronous last resort for a process that ends (exit, crash, Ctrl-C) with a container still
// running: nothing else would reap it when Ryuk is off. Uses the docker CLI, as it must not wait.
const liveContainers = new Set<string>();
/** Containers removed by the hook, with why, so that stop() and failure() can say so. */
const removedByHook = new Map<string, string>();
function removeLiveNow(why: string): void {
  for (const id of liveContainers) {
    spawnSync('docker', ['rm', '-f', '-v', id], { stdio: 'ignore', timeout: 15_000 });
    liveContainers.delete(id);
    removedByHook.set(id, why);
  }
}
let unhook: (() => void) | undefined;
function installExitHook(): void {
  unhook ??= onProcessEnd((why) => {
    if (liveContainers.size) process.stderr.write(`receipts-conformance: removing ${liveContainers.size} container(s) (${why})\n`);
    removeLiveNow(why);
  });
}

/** testcontainers does not remove a container whose wait fails; this records its id as soon as it exists. */
class TrackedContainer extends GenericContainer {
  createdId?: string;
  protected override async containerCreated(containerId: string): Promise<void> {
    this.createdId = containerId;
    liveContainers.add(containerId);
  }
}

async function closeLog(log: WriteStream): Promise<void> {
  if (log.closed || log.destroyed) return;
  log.end();
  await once(log, 'close').catch(() => undefined);
}

export async function startContainerTarget(opts: ContainerOptions): Promise<TargetHandle> {
  // scripts/container/run.sh sets this when it found that no daemon can run here, so that the CLI
  // still writes a report that marks the container part as skipped.
  if (process.env.RC_CONTAINER_UNAVAILABLE) throw new ContainerRuntimeUnavailable(process.env.RC_CONTAINER_UNAVAILABLE);
  const networkMode = networkModeFrom(opts.hostNetwork);
  const version = opts.synapseVersion || (opts.image && versionFromImage(opts.image)) || process.env.RC_SYNAPSE_VERSION || DEFAULT_SYNAPSE_VERSION;
  const image = opts.image || defaultImage(networkMode, version);
  const logDir = join(opts.reportDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, 'container.log');
  rmSync(logFile, { force: true });

  if (networkMode === 'host') {
    // Host mode is the registry-free, bridge-free setup: Ryuk would need a pull (traffic beyond
    // loopback) and testcontainers' host detection asks for the missing "bridge" network.
    process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
    process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  }
  const unusable = await probeDocker();
  if (unusable) throw new ContainerRuntimeUnavailable(unusable);
  let client;
  try {
    client = await getContainerRuntimeClient();
  } catch (err) {
    throw new ContainerRuntimeUnavailable(`testcontainers found no working container runtime: ${(err as Error).message}. ` +
      'Without a registry set TESTCONTAINERS_RYUK_DISABLED=true; with --bridge=none set TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 (scripts/container/dockerd.sh env prints both).');
  }
  if (networkMode === 'host' && !(await client.image.exists(ImageName.fromString(image)))) {
    // Host mode is the registry-free setup: a pull would leave loopback, so it is never attempted.
    throw new TargetError(`image ${image} is not on the Docker daemon (${process.env.DOCKER_HOST ?? 'default socket'}); build it with scripts/container/build-synapse-image.sh ${version}`);
  }

  const plan = planContainer({ image, networkMode, hostPort: networkMode === 'host' ? await freePort() : undefined });
  const secrets = { registration: randomBytes(24).toString('hex'), macaroon: randomBytes(24).toString('hex'), form: randomBytes(24).toString('hex') };
  const template = readFileSync(join(projectRoot, 'fixtures/synapse/homeserver.yaml'), 'utf8');
  const config = renderContainerConfig(template, {
    port: plan.port,
    bindAddress: plan.bindAddress,
    publicBaseUrl: plan.baseUrl ? `${plan.baseUrl}/` : `http://127.0.0.1:${CONTAINER_PORT}/`,
    dataDir: CONTAINER_DATA_DIR,
    secrets,
  });
  const hostData = mkdtempSync(join(tmpdir(), 'rc-container-'));
  writeDataDir(hostData, config);

  const log = createWriteStream(logFile, { flags: 'a' });
  const runId = randomBytes(4).toString('hex');
  let logEnded = false;
  const container = new TrackedContainer(image)
    .withEntrypoint(plan.entrypoint)
    .withCommand(plan.command)
    .withEnvironment({ PYTHONUNBUFFERED: '1' })
    .withLabels({ [CONTAINER_LABEL]: runId })
    .withCopyDirectoriesToContainer([{ source: hostData, target: CONTAINER_DATA_DIR }])
    .withStartupTimeout(readyTimeoutMs())
    .withLogConsumer((stream: Readable) => {
      stream.pipe(log, { end: false });
      // The followed log ends when the container's process exits.
      stream.once('end', () => (logEnded = true));
    });
  if (plan.networkMode === 'host') {
    container.withNetworkMode('host').withWaitStrategy(Wait.forLogMessage(LISTENING_PATTERN));
  } else {
    container.withExposedPorts(...plan.exposedPorts).withWaitStrategy(Wait.forHttp(plan.wait.kind === 'http' ? plan.wait.path : '/', CONTAINER_PORT).forStatusCode(200));
  }
  installExitHook();

  opts.log(`starting ${image} with testcontainers (${plan.networkMode} network${plan.networkMode === 'host' ? `, 127.0.0.1:${plan.port}` : `, port ${CONTAINER_PORT} mapped`}; fresh database; log: ${logFile})`);
  const t0 = performance.now();
  let started: StartedTestContainer | undefined;
  let baseUrl: string;
  try {
    started = await container.start();
    baseUrl = plan.baseUrl ?? `http://${started.getHost()}:${started.getMappedPort(CONTAINER_PORT)}`;
    // The wait strategy already proved readiness (host mode: Synapse logs "now listening" after it
    // has bound; bridge mode: the HTTP wait). One request confirms the harness reaches that URL.
    const res = await httpRequest({ method: 'GET', url: `${baseUrl}/_matrix/client/versions`, timeoutMs: 10_000 }).catch((e: Error) => ({ status: 0, text: e.message }));
    if (res.status !== 200) throw new TargetError(`the container is up but ${baseUrl}/_matrix/client/versions answered ${res.status || 'nothing'}: ${res.text.slice(0, 200)}`);
  } catch (err) {
    // Ryuk is off: whatever failed, the container must go, and the folder with the secrets too.
    const id = container.createdId;
    if (id) {
      await removeById(id).catch((e: Error) => opts.log(`could not remove container ${id}: ${e.message}`));
      liveContainers.delete(id);
    }
    await closeLog(log);
    rmSync(hostData, { recursive: true, force: true });
    if (err instanceof TargetError) throw err;
    throw new TargetError(`container ${image} did not become ready: ${(err as Error).message}\nLast lines of ${logFile}:\n${tailFile(logFile)}`);
  }
  const ms = performance.now() - t0;
  const containerId = started.getId();
  opts.log(`container ${containerId.slice(0, 12)} ready at ${baseUrl} in ${(ms / 1000).toFixed(1)} s`);
  const software = await fetchSoftware(baseUrl);
  let stopped = false;
  return {
    id: 'container',
    kind: 'container',
    baseUrl,
    serverName: SERVER_NAME,
    registration: { mode: 'shared-secret', sharedSecret: secrets.registration },
    software: software ?? { name: 'Synapse', version },
    startup: { ms: Math.round(ms), cold: true },
    secrets: [secrets.registration, secrets.macaroon, secrets.form],
    failure() {
      if (stopped) return null;
      const removed = removedByHook.get(containerId);
      if (removed) return `the container ${containerId.slice(0, 12)} was removed on ${removed}`;
      if (!logEnded) return null;
      return `the container ${containerId.slice(0, 12)} exited during the run. Last lines of ${logFile}:\n${tailFile(logFile, 20)}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (removedByHook.has(containerId)) {
        opts.log(`container ${containerId.slice(0, 12)} was already removed on ${removedByHook.get(containerId)}`);
        await closeLog(log);
        rmSync(hostData, { recursive: true, force: true });
        return;
      }
      try {
        await started.stop({ timeout: 10_000, remove: true, removeVolumes: true });
      } catch (err) {
        opts.log(`stopping container ${containerId.slice(0, 12)} failed (${(err as Error).message}); removing it by force`);
        await removeById(containerId);
      } finally {
        liveContainers.delete(containerId);
        await closeLog(log);
        rmSync(hostData, { recursive: true, force: true });
      }
      // Confirm: a leftover would keep running with nobody to reap it.
      const left = await client.container.dockerode.listContainers({ all: true, filters: { id: [containerId] } }).catch(() => []);
      if (left.length) throw new TargetError(`container ${containerId.slice(0, 12)} is still present after stop`);
      opts.log(`container ${containerId.slice(0, 12)} removed`);
    },
  };
}
