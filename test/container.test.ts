// The containerised Synapse target, without a Docker daemon: the rendered config for both network
// modes, the container's command line, and the skip path when DOCKER_HOST leads nowhere.
import { describe, it, expect, afterEach, vi } from 'vitest';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import { parse } from 'yaml';
import {
  renderContainerConfig,
  planContainer,
  networkModeFrom,
  versionFromImage,
  defaultImage,
  dockerEndpoint,
  probeDocker,
  readyTimeoutMs,
  startContainerTarget,
  ContainerRuntimeUnavailable,
  CONTAINER_DATA_DIR,
  CONTAINER_PORT,
  LISTENING_PATTERN,
  SERVER_NAME,
} from '../src/targets/container.ts';
import { TargetError } from '../src/targets/target.ts';
import { projectRoot } from '../src/scenario/schema.ts';

const template = readFileSync(join(projectRoot, 'fixtures/synapse/homeserver.yaml'), 'utf8');
const secrets = { registration: 'reg-' + 'a'.repeat(40), macaroon: 'mac-' + 'b'.repeat(40), form: 'form-' + 'c'.repeat(40) };

function render(mode: 'host' | 'bridge', hostPort = 41234) {
  const plan = planContainer({ image: 'img:1', networkMode: mode, hostPort });
  const text = renderContainerConfig(template, {
    port: plan.port,
    bindAddress: plan.bindAddress,
    publicBaseUrl: plan.baseUrl ? `${plan.baseUrl}/` : `http://127.0.0.1:${CONTAINER_PORT}/`,
    dataDir: CONTAINER_DATA_DIR,
    secrets,
  });
  return { plan, text, cfg: parse(text) };
}

describe('container config', () => {
  it('fills every placeholder from the synapse target template and keeps data inside the container', () => {
    for (const mode of ['host', 'bridge'] as const) {
      const { text, cfg } = render(mode);
      expect(text).not.toMatch(/\{\{\w+\}\}/);
      expect(cfg.server_name).toBe(SERVER_NAME);
      expect(cfg.database.args.database).toBe('/data/homeserver.db');
      expect(cfg.media_store_path).toBe('/data/media_store');
      expect(cfg.signing_key_path).toBe('/data/signing.key');
      expect(cfg.log_config).toBe('/data/log.config');
      expect(cfg.pid_file).toBe('/data/homeserver.pid');
      expect(cfg.registration_shared_secret).toBe(secrets.registration);
      expect(cfg.default_room_version).toBeUndefined();
      expect(cfg.listeners).toHaveLength(1);
    }
  });

  it('host mode listens on the chosen loopback port only', () => {
    const { cfg, plan } = render('host', 41234);
    expect(cfg.listeners[0].port).toBe(41234);
    expect(cfg.listeners[0].bind_addresses).toEqual(['127.0.0.1']);
    expect(cfg.public_baseurl).toBe('http://127.0.0.1:41234/');
    expect(plan.baseUrl).toBe('http://127.0.0.1:41234');
  });

  it('bridge mode listens on 0.0.0.0:8008 inside the container, for the mapped port', () => {
    const { cfg, plan } = render('bridge');
    expect(cfg.listeners[0].port).toBe(8008);
    expect(cfg.listeners[0].bind_addresses).toEqual(['0.0.0.0']);
    expect(plan.baseUrl).toBeUndefined();
  });

  it('refuses a template whose listener it cannot adapt', () => {
    expect(() => renderContainerConfig(template.replace('bind_addresses: ["127.0.0.1"]', 'bind_addresses: ["::1"]'), {
      port: 1, bindAddress: '0.0.0.0', publicBaseUrl: 'http://x/', dataDir: '/data', secrets,
    })).toThrow(/bind_addresses/);
    expect(() => renderContainerConfig(template + '\nx: {{nope}}\n', { port: 1, bindAddress: '0.0.0.0', publicBaseUrl: 'http://x/', dataDir: '/data', secrets })).toThrow(/unknown placeholder nope/);
  });
});

describe('container command line', () => {
  it('host mode: host network, no exposed port, log-message wait', () => {
    const plan = planContainer({ image: 'receipts-conformance/synapse:1.163.2', networkMode: 'host', hostPort: 40000 });
    expect(plan.networkMode).toBe('host');
    expect(plan.exposedPorts).toEqual([]); // exposed ports time out in host mode (targets.md §5.4)
    expect(plan.wait).toEqual({ kind: 'log', pattern: LISTENING_PATTERN });
    expect(plan.entrypoint).toEqual(['python', '-m', 'synapse.app.homeserver']);
    expect(plan.command).toEqual(['-c', '/data/homeserver.yaml']);
    expect(LISTENING_PATTERN.test('Synapse now listening on TCP port 40000')).toBe(true);
    expect(() => planContainer({ image: 'x', networkMode: 'host' })).toThrow(/host port/);
  });

  it('bridge mode: port 8008 exposed, HTTP wait on /versions, same entrypoint for the official image', () => {
    const plan = planContainer({ image: 'matrixdotorg/synapse:v1.163.2', networkMode: 'bridge' });
    expect(plan.exposedPorts).toEqual([8008]);
    expect(plan.wait).toEqual({ kind: 'http', path: '/_matrix/client/versions', port: 8008 });
    expect(plan.entrypoint).toEqual(['python', '-m', 'synapse.app.homeserver']);
    expect(plan.command).toEqual(['-c', '/data/homeserver.yaml']);
  });

  it('picks the network mode, image and version from options and environment', () => {
    expect(networkModeFrom(undefined, {})).toBe('bridge');
    expect(networkModeFrom(undefined, { RC_CONTAINER_NETWORK: 'host' })).toBe('host');
    expect(networkModeFrom(false, { RC_CONTAINER_NETWORK: 'host' })).toBe('bridge');
    expect(networkModeFrom(true, {})).toBe('host');
    expect(() => networkModeFrom(undefined, { RC_CONTAINER_NETWORK: 'overlay' })).toThrow(TargetError);
    expect(versionFromImage('matrixdotorg/synapse:v1.163.2')).toBe('1.163.2');
    expect(versionFromImage('receipts-conformance/synapse:1.163.2')).toBe('1.163.2');
    expect(versionFromImage('localhost:5000/synapse')).toBeUndefined();
    expect(versionFromImage('synapse:latest')).toBeUndefined();
    expect(defaultImage('host', '1.163.2', {})).toBe('receipts-conformance/synapse:1.163.2');
    expect(defaultImage('bridge', '1.163.2', {})).toBe('matrixdotorg/synapse:v1.163.2');
    expect(defaultImage('bridge', '1.163.2', { RC_CONTAINER_IMAGE: 'mine:1' })).toBe('mine:1');
    expect(readyTimeoutMs({})).toBe(180_000);
    expect(readyTimeoutMs({ RC_CONTAINER_READY_TIMEOUT_MS: '5000' })).toBe(5000);
    expect(readyTimeoutMs({ RC_CONTAINER_READY_TIMEOUT_MS: 'soon' })).toBe(180_000);
  });

  it('reads DOCKER_HOST the way the docker CLI does', () => {
    expect(dockerEndpoint({})).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(dockerEndpoint({ DOCKER_HOST: 'unix:///run/x.sock' })).toEqual({ socketPath: '/run/x.sock' });
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://127.0.0.1:2375' })).toEqual({ url: 'http://127.0.0.1:2375' });
  });
});

describe('no usable Docker daemon', () => {
  let dir: string | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    vi.unstubAllEnvs();
    if (server) await new Promise((r) => server!.close(r));
    server = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('a DOCKER_HOST socket that does not exist is a skip, not a failure, and starts nothing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rc-ctr-test-'));
    vi.stubEnv('DOCKER_HOST', `unix://${dir}/no-such-docker.sock`);
    const lines: string[] = [];
    const err = await startContainerTarget({ reportDir: dir, log: (l) => lines.push(l), hostNetwork: true, image: 'receipts-conformance/synapse:1.163.2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerRuntimeUnavailable);
    expect(err).toBeInstanceOf(TargetError); // the CLI's exit 3 path still applies without special handling
    expect((err as ContainerRuntimeUnavailable).skipped).toBe(true);
    expect((err as Error).message).toMatch(/no-such-docker\.sock does not exist/);
    expect(lines.filter((l) => /starting/.test(l))).toEqual([]);
  });

  it('a socket that answers but is not a daemon, and a closed TCP port, are reported with the reason', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rc-ctr-test-'));
    const sock = join(dir, 'fake.sock');
    server = createServer((req, res) => {
      res.statusCode = req.url === '/_ping' ? 500 : 404;
      res.end();
    });
    await new Promise<void>((r) => server!.listen(sock, r));
    expect(await probeDocker({ DOCKER_HOST: `unix://${sock}` })).toMatch(/answered \/_ping with HTTP 500/);
    expect(await probeDocker({ DOCKER_HOST: 'tcp://127.0.0.1:1' })).toMatch(/no Docker daemon answers at tcp:\/\/127\.0\.0\.1:1/);
  });

  it('a socket answering /_ping with OK counts as usable', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rc-ctr-test-'));
    const sock = join(dir, 'ok.sock');
    server = createServer((req, res) => res.end(req.url === '/_ping' ? 'OK' : ''));
    await new Promise<void>((r) => server!.listen(sock, r));
    expect(await probeDocker({ DOCKER_HOST: `unix://${sock}` })).toBeNull();
  });
});
