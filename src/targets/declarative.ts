// Targets described by a target file (fixtures/targets/*.yaml): install into the cache, start the
// services the server needs, render its config, start it, wait for its log line, and hand the
// runner a TargetHandle. A homeserver author adds a server by writing YAML, not TypeScript.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from './ports.ts';
import { startLocalServer, localServerHandle, type Started } from './local-server.ts';
import { fetchSoftware } from './software.ts';
import { TargetError, type TargetHandle, type TargetOptions } from './target.ts';
import type { RegistrationConfig } from '../client/register.ts';
import { getTlsMaterial } from '../federation/tls.ts';
import { ensureInstalled } from './declared/install.ts';
import { startPostgres, type RunningPostgres } from './declared/postgres.ts';
import { makeRunDir, removeRunDir } from './declared/temp-dir.ts';
import { render, renderTemplateFile, RenderError } from './declared/render.ts';
import type { TargetSpec } from './declared/load.ts';

export { loadTargetFile, TargetFileError, type TargetSpec } from './declared/load.ts';
export { ensureInstalled } from './declared/install.ts';

const run = promisify(execFile);
const DEFAULT_READY_TIMEOUT_S = 120;
const DEFAULT_USERS = 60;

export interface DeclaredOptions extends TargetOptions {
  /** Overrides the file's version (the cache key and {{version}} follow it). */
  version?: string;
  /** The target's id in reports and its log's name (default: the file's `name`); two files may
   * share a name (synapse-0.99.0.yaml is `synapse`), their ids must differ. */
  id?: string;
}

function makeSecret(s: { bytes?: number; encoding?: string }): string {
  const raw = randomBytes(s.bytes ?? 24);
  if (s.encoding === 'base64') return raw.toString('base64');
  if (s.encoding === 'base64-unpadded') return raw.toString('base64').replace(/=+$/, '');
  return raw.toString('hex');
}

/** Command registration: users are made up front and handed to the runner as a users file. */
export async function usersFromCommand(argv: string[], count: number, values: Record<string, string>, dataDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const prefix = `rc${randomBytes(3).toString('hex')}`;
  const users: { user_id: string; access_token: string }[] = [];
  for (let i = 0; i < count; i++) {
    const localpart = `${prefix}_u${i}`;
    const args = argv.map((a) => render(a, { ...values, localpart }, 'registration.argv'));
    let out: string;
    try {
      out = (await run(args[0]!, args.slice(1), { cwd: dataDir, env, timeout: 60_000, maxBuffer: 1024 * 1024 })).stdout;
    } catch (err) {
      throw new TargetError(`registration command for ${localpart} failed: ${((err as { stderr?: string }).stderr || (err as Error).message).trim().split('\n').slice(-5).join('\n')}`);
    }
    const last = out.trim().split('\n').pop() ?? '';
    let u: { user_id?: unknown; access_token?: unknown };
    try {
      u = JSON.parse(last);
    } catch {
      throw new TargetError(`registration command for ${localpart} should print one JSON object {user_id, access_token}; its last line was: ${last.slice(0, 200)}`);
    }
    if (typeof u.user_id !== 'string' || typeof u.access_token !== 'string') throw new TargetError(`registration command for ${localpart} printed no user_id/access_token`);
    users.push({ user_id: u.user_id, access_token: u.access_token });
  }
  const file = join(dataDir, 'users.json');
  writeFileSync(file, JSON.stringify(users), { mode: 0o600 });
  return file;
}

/** Installs (once), starts and readies a declared target. */
export async function startDeclaredTarget(spec: TargetSpec, opts: DeclaredOptions): Promise<TargetHandle> {
  const version = opts.version ?? spec.version;
  const logDir = join(opts.reportDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const installed = await ensureInstalled(spec, version, opts.log);

  const dataDir = makeRunDir(`rc-${spec.name}-`);
  const services: RunningPostgres[] = [];
  const secrets = Object.fromEntries(Object.entries(spec.secrets ?? {}).map(([k, s]) => [`secret.${k}`, makeSecret(s)]));
  const id = opts.id ?? spec.name;
  const logFile = join(logDir, `${id}.log`);
  rmSync(logFile, { force: true });
  let started: Started | undefined;
  let registration: RegistrationConfig;
  let serverName: string;
  try {
    for (const s of spec.services ?? []) {
      if (s.postgres) {
        const database = s.postgres.database ?? spec.name.replace(/[^a-z0-9_]/g, '_');
        opts.log(`starting a private PostgreSQL ${s.postgres.version ?? 15} for ${spec.name}…`);
        const pg = await startPostgres({ version: s.postgres.version ?? 15, database, logDir, readyTimeoutMs: (s.postgres.ready_timeout_s ?? 60) * 1000 });
        services.push(pg);
        opts.log(`PostgreSQL ready on 127.0.0.1:${pg.port} (pid ${pg.pid})`);
      }
    }
    const pg = services[0];
    // The suite's fake homeserver serves this certificate; a server that verifies TLS can be
    // given it as a CA file, and an old server that needs a certificate of its own can use it.
    const tls = await getTlsMaterial();
    const tlsFiles = { federation_ca_file: join(dataDir, 'federation-ca.pem'), tls_cert_file: join(dataDir, 'tls.crt'), tls_key_file: join(dataDir, 'tls.key') };
    writeFileSync(tlsFiles.federation_ca_file, tls.cert);
    writeFileSync(tlsFiles.tls_cert_file, tls.cert);
    writeFileSync(tlsFiles.tls_key_file, tls.key, { mode: 0o600 });

    const port = await freePort();
    const base: Record<string, string> = {
      name: spec.name,
      version,
      port: String(port),
      base_url: `http://127.0.0.1:${port}`,
      data_dir: dataDir,
      install_dir: installed.dir,
      ...tlsFiles,
      ...secrets,
      ...(pg ? { 'postgres.url': pg.url, 'postgres.host': pg.host, 'postgres.port': String(pg.port), 'postgres.user': pg.user, 'postgres.database': pg.database } : {}),
    };
    serverName = render(spec.server_name ?? `${spec.name}.rc.test`, base, 'server_name');
    const values = { ...base, server_name: serverName };
    for (const c of spec.config ?? []) {
      writeFileSync(join(dataDir, c.to), renderTemplateFile(resolve(dirname(spec.file), c.template), values), { mode: 0o600 });
    }
    for (const f of spec.files ?? []) writeFileSync(join(dataDir, f.path), render(f.content, values, `files ${f.path}`), { mode: 0o600 });
    const env = { ...process.env, ...Object.fromEntries(Object.entries(spec.start.env ?? {}).map(([k, v]) => [k, render(v, values, `start.env.${k}`)])) };
    const argv = spec.start.argv.map((a) => render(a, values, 'start.argv'));

    opts.log(`starting ${spec.name} ${version} on 127.0.0.1:${port} (log: ${logFile})`);
    started = await startLocalServer({
      name: spec.name,
      command: argv[0]!,
      args: argv.slice(1),
      cwd: dataDir,
      env,
      logFile,
      port,
      readyLine: new RegExp(spec.ready.log),
      readyTimeoutMs: (spec.ready.timeout_s ?? DEFAULT_READY_TIMEOUT_S) * 1000,
      bindGraceMs: (spec.ready.bind_grace_s ?? 0) * 1000,
      readyPath: spec.ready.http,
    });
    const reg = spec.registration;
    registration =
      reg.mode === 'shared-secret'
        ? { mode: 'shared-secret', sharedSecret: render(reg.secret!, values, 'registration.secret') }
        : reg.mode === 'open'
          ? { mode: 'open' }
          : { mode: 'users-file', file: await usersFromCommand(reg.argv!, reg.users ?? DEFAULT_USERS, values, dataDir, env) };
  } catch (err) {
    await started?.proc.stop();
    await Promise.all(services.map((s) => s.stop()));
    removeRunDir(dataDir);
    if (err instanceof RenderError) throw new TargetError(err.message);
    throw err;
  }
  if (!started) throw new TargetError(`${spec.name} did not start`);
  opts.log(`${spec.name} ready in ${(started.ms / 1000).toFixed(1)} s (pid ${started.proc.pid})`);
  const handle = localServerHandle({
    name: spec.name,
    started,
    logFile,
    dataDir,
    id,
    kind: 'declared',
    serverName,
    registration,
    software: (await fetchSoftware(started.baseUrl)) ?? { name: spec.name, version },
    startup: { ms: Math.round(started.ms), cold: true },
    secrets: Object.values(secrets),
    ...(spec.path_version ? { pathVersion: spec.path_version } : {}),
    ...(spec.spec ? { specVersion: spec.spec } : {}),
  });
  return {
    ...handle,
    failure: () => handle.failure() ?? services.map((s) => s.failure()).find((f) => f !== null) ?? null,
    async stop() {
      await started.proc.stop((spec.stop?.grace_s ?? 10) * 1000);
      await handle.stop();
      removeRunDir(dataDir);
      await Promise.all(services.map((s) => s.stop()));
    },
  };
}
