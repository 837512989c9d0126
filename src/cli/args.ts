// Command-line options of `receipts-conformance`. Usage errors exit with code 2.
import { parseArgs } from 'node:util';
import { parseByteSize } from '../client/limits.ts';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TARGET_KINDS, type TargetKind } from '../model.ts';
import { projectRoot } from '../scenario/schema.ts';

export const USAGE = `receipts-conformance — conformance suite for Matrix read receipts

Usage:
  receipts-conformance run [options]     run the scenarios against a homeserver and write reports
  receipts-conformance list [options]    list the scenarios that would run
  receipts-conformance lint [--specs DIR]  validate scenario files and the rule catalogue
  receipts-conformance bench [options]   time start-up and a full run (prints a benchmark)
  receipts-conformance load [options]    receipts under load: latency, throughput and invariants
                                         (load --help lists its options)
  receipts-conformance diff OLD.json NEW.json
                                         regressions, fixes and new scenarios between two reports
                                         (Markdown; exit 1 on a regression)
  receipts-conformance --help

Target:
  --target NAME[,NAME...]     synapse (default): provision a local Synapse from PyPI;
                              dendrite: build Dendrite with go install and run it locally;
                              url: test the server at --homeserver;
                              container: a homeserver image started with testcontainers;
                              or a target file's name from fixtures/targets/ (palpo,
                              synapse-0.99.0, ...), or file:PATH to any target file.
                              Several targets run one after another into one report.
  --target-file FILE          a target described by a YAML file (see fixtures/targets/README.md)
  --room-version V[,V...]     run the scenarios once per room version (default: the server's own)
  --homeserver URL            base URL of the server under test (with --target url)
  --shared-secret SECRET      register users through the shared-secret admin API
                              (or set RC_SHARED_SECRET)
  --users-file FILE           use pre-made users: YAML/JSON list of {user_id, access_token}
                              (without either, open registration with m.login.dummy is used)
  --synapse-version VERSION   Synapse to install (default 1.163.2; or RC_SYNAPSE_VERSION)
  --dendrite-version VERSION  Dendrite to build (default 0.13.8; or RC_DENDRITE_VERSION)
  --image NAME                container image (with --target container)
  --container-network MODE    bridge (default: mapped ports, for normal CI runners) or host
                              (loopback only, for Docker hosts without bridge networks;
                              or set RC_CONTAINER_NETWORK=host)
  --path-version v3|r0        client-server path prefix (default v3, or the target file's)
  --federation-url URL        the target's federation API, instead of server discovery
                              (/.well-known/matrix/server, SRV, port 8448)
  --federation-bind HOST      where the suite's fake federation servers listen (default
                              127.0.0.1); each scenario gets a fresh port
  --federation-name HOST      the host the target uses to reach them (default: the bind host)

Selection:
  --specs DIR                 extra scenario folder (repeatable); the built-in specs/ always load
  --only ID                   run only scenarios whose id matches (prefix or glob; repeatable)
  --rule RULE                 run only scenarios citing this rule (repeatable)
  --tag TAG                   run only scenarios with this tag (repeatable)
  --spec VERSION              spec version to test (default v1.19, or the target file's); scenarios outside their
                              since/until range are reported as skip

Run:
  --report-dir DIR            where reports and logs go (default reports/)
  --deviations FILE           known deviations; differences from it fail the run (one target;
                              with several, use KIND=FILE). Default for the local targets:
                              fixtures/deviations/<synapse|dendrite>.yaml
  --no-deviations             judge every scenario on its own
  --concurrency N             scenarios at once (default 8)
  --sync-timeout MS           deadline of one sync wait (default 15000)
  --runs N                    (bench) number of suite runs to time (default 1)
  --concurrency-curve N,N...  (bench) one run at each concurrency, e.g. 1,2,4,8,16
  --skip-startup              (bench) do not time Synapse's cold and warm starts

Limits (a broken or hostile target never hangs the run; the reports of what ran are written):
  --request-timeout MS        deadline of one request, headers and body (default 30000)
  --max-body SIZE             largest response body accepted (default 32MiB)
  --run-timeout MS            deadline of the whole run per target (default 3600000); scenarios
                              not finished by then are reported as error
  --max-target-failures N     after N scenarios in a row found the target unreachable, the rest
                              are reported as error and the run exits 3 (default 5)
  --verbose                   print stack traces of internal errors

Exit codes: 0 conformant (no unexpected MUST failure), 1 non-conformant or differs from the
deviations, 2 bad usage or a bad scenario, 3 the target could not be started or reached,
75 the container target was skipped because no container runtime can run here
(RC_CONTAINER_SKIP_EXIT overrides that code; the report marks every scenario skip).
`;

export class UsageError extends Error {}

export type { TargetKind } from '../model.ts';

/** The kinds a --target name may be besides a target file's name. */
const BUILT_IN = TARGET_KINDS.filter((k) => k !== 'declared');
const TARGET_FILES_DIR = join(projectRoot, 'fixtures/targets');

/** A target to run: a built-in kind, or a target file (fixtures/targets/<name>.yaml, or any path). */
export interface TargetRef {
  name: string;
  kind: TargetKind;
  file?: string;
}

export function declaredTargetNames(): string[] {
  return existsSync(TARGET_FILES_DIR) ? readdirSync(TARGET_FILES_DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort() : [];
}

function targetRef(name: string): TargetRef {
  if ((BUILT_IN as readonly string[]).includes(name)) return { name, kind: name as TargetKind };
  if (name.startsWith('file:')) return { name: name.slice(5).replace(/^.*\//, '').replace(/\.ya?ml$/, ''), kind: 'declared', file: name.slice(5) };
  const file = join(TARGET_FILES_DIR, `${name}.yaml`);
  if (existsSync(file)) return { name, kind: 'declared', file };
  throw new UsageError(`--target must be one or more of ${[...BUILT_IN, ...declaredTargetNames()].join(', ')} or file:PATH, got "${name}"`);
}

export interface CliOptions {
  command: 'run' | 'list' | 'lint' | 'bench' | 'help';
  targets: TargetRef[];
  homeserver?: string;
  sharedSecret?: string;
  usersFile?: string;
  synapseVersion?: string;
  dendriteVersion?: string;
  image?: string;
  containerNetwork: 'bridge' | 'host';
  /** Given on the command line; else the target's own (a target file's), else v3. */
  pathVersion?: 'v3' | 'r0';
  /** Room versions to run the scenarios in, once each; empty: the server's default. */
  roomVersions: string[];
  federationUrl?: string;
  federationBind?: string;
  federationName?: string;
  specs: string[];
  only: string[];
  rules: string[];
  tags: string[];
  /** Given on the command line; else the target's own (a target file's), else the latest. */
  spec?: string;
  reportDir: string;
  /** Deviations files by target kind ('*' when one file was given for a single target). */
  deviations: Record<string, string>;
  noDeviations: boolean;
  concurrency: number;
  syncTimeoutMs: number;
  runs: number;
  concurrencyCurve: number[];
  benchSkipStartup: boolean;
  requestTimeoutMs: number;
  maxBodyBytes: number;
  runTimeoutMs: number;
  maxTargetFailures: number;
  verbose: boolean;
}

function positiveInt(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} expects a positive integer, got "${v}"`);
  return n;
}

function byteSize(v: string | undefined): number {
  if (v === undefined) return 32 * 1024 * 1024;
  const n = parseByteSize(v);
  if (n === undefined || n <= 0) throw new UsageError(`--max-body expects a size such as 32MiB, got "${v}"`);
  return n;
}

/** The options `run` and `load` share: which server, how to get accounts on it, where reports go. */
export const SHARED_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  target: { type: 'string' },
  homeserver: { type: 'string' },
  'shared-secret': { type: 'string' },
  'users-file': { type: 'string' },
  'synapse-version': { type: 'string' },
  'dendrite-version': { type: 'string' },
  'report-dir': { type: 'string' },
} as const;

export function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...SHARED_OPTIONS,
        'target-file': { type: 'string', multiple: true },
        'room-version': { type: 'string' },
        image: { type: 'string' },
        'container-network': { type: 'string' },
        'path-version': { type: 'string' },
        'federation-url': { type: 'string' },
        'federation-bind': { type: 'string' },
        'federation-name': { type: 'string' },
        specs: { type: 'string', multiple: true },
        only: { type: 'string', multiple: true },
        rule: { type: 'string', multiple: true },
        tag: { type: 'string', multiple: true },
        spec: { type: 'string' },
        deviations: { type: 'string', multiple: true },
        'no-deviations': { type: 'boolean' },
        concurrency: { type: 'string' },
        'sync-timeout': { type: 'string' },
        runs: { type: 'string' },
        'concurrency-curve': { type: 'string' },
        'skip-startup': { type: 'boolean' },
        'request-timeout': { type: 'string' },
        'max-body': { type: 'string' },
        'run-timeout': { type: 'string' },
        'max-target-failures': { type: 'string' },
        verbose: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values: v, positionals } = parsed;
  const command = (v.help ? 'help' : positionals[0] ?? 'help') as CliOptions['command'];
  if (!['run', 'list', 'lint', 'bench', 'help'].includes(command)) throw new UsageError(`unknown command "${command}"`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const names = [...(v.target || !v['target-file'] ? (v.target ?? (v.homeserver ? 'url' : 'synapse')).split(',').map((t) => t.trim()) : []), ...(v['target-file'] ?? []).map((f) => `file:${f}`)];
  const targets = names.map(targetRef);
  if (new Set(targets.map((t) => t.name)).size !== targets.length) throw new UsageError('--target names a target twice');
  if (targets.some((t) => t.kind === 'url') && !v.homeserver) throw new UsageError('--target url needs --homeserver URL');
  if (targets.some((t) => t.kind === 'container') && !v.image) throw new UsageError('--target container needs --image NAME');
  const roomVersions = v['room-version'] ? v['room-version'].split(',').map((x) => x.trim()) : [];
  for (const rv of roomVersions) if (!/^[A-Za-z0-9.-]+$/.test(rv)) throw new UsageError(`--room-version takes room versions such as 10,11,12, got "${rv}"`);
  const containerNetwork = (v['container-network'] ?? process.env.RC_CONTAINER_NETWORK ?? 'bridge') as 'bridge' | 'host';
  if (!['bridge', 'host'].includes(containerNetwork)) throw new UsageError('--container-network must be bridge or host');
  const deviations: Record<string, string> = {};
  for (const e of v.deviations ?? []) {
    const m = /^([A-Za-z0-9._-]+)=(.+)$/.exec(e);
    if (m && targets.some((t) => t.name === m[1])) deviations[m[1]!] = m[2]!;
    else if (targets.length === 1) deviations['*'] = e;
    else throw new UsageError(`with several targets, give --deviations as TARGET=FILE (got "${e}")`);
  }
  if (v.homeserver) {
    try {
      const u = new URL(v.homeserver);
      if (!/^https?:$/.test(u.protocol)) throw new Error();
    } catch {
      throw new UsageError(`--homeserver must be an http(s) URL, got "${v.homeserver}"`);
    }
  }
  if (v['federation-url']) {
    try {
      if (!/^https?:$/.test(new URL(v['federation-url']).protocol)) throw new Error();
    } catch {
      throw new UsageError(`--federation-url must be an http(s) URL, got "${v['federation-url']}"`);
    }
  }
  for (const flag of ['federation-bind', 'federation-name'] as const) {
    const value = v[flag];
    if (value !== undefined && !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)$/.test(value)) throw new UsageError(`--${flag} must be a host name or address without a port, got "${value}"`);
  }
  const pathVersion = v['path-version'] as 'v3' | 'r0' | undefined;
  if (pathVersion !== undefined && !['v3', 'r0'].includes(pathVersion)) throw new UsageError('--path-version must be v3 or r0');
  const spec = v.spec;
  if (spec !== undefined && !/^(v1\.\d+|r0\.\d+\.\d+)$/.test(spec)) throw new UsageError(`--spec must look like v1.19 or r0.6.1, got "${spec}"`);
  if (v.deviations?.length && v['no-deviations']) throw new UsageError('--deviations and --no-deviations exclude each other');
  return {
    command,
    targets,
    homeserver: v.homeserver,
    sharedSecret: v['shared-secret'] ?? process.env.RC_SHARED_SECRET,
    usersFile: v['users-file'],
    synapseVersion: v['synapse-version'],
    dendriteVersion: v['dendrite-version'],
    image: v.image,
    containerNetwork,
    ...(pathVersion ? { pathVersion } : {}),
    roomVersions,
    federationUrl: v['federation-url'],
    federationBind: v['federation-bind'],
    federationName: v['federation-name'],
    specs: v.specs ?? [],
    only: v.only ?? [],
    rules: v.rule ?? [],
    tags: v.tag ?? [],
    ...(spec ? { spec } : {}),
    reportDir: v['report-dir'] ?? 'reports',
    deviations,
    noDeviations: v['no-deviations'] ?? false,
    concurrency: positiveInt('concurrency', v.concurrency, 8),
    syncTimeoutMs: positiveInt('sync-timeout', v['sync-timeout'], 15_000),
    runs: positiveInt('runs', v.runs, 1),
    concurrencyCurve: (v['concurrency-curve'] ?? '').split(',').filter(Boolean).map((n) => positiveInt('concurrency-curve', n.trim(), 1)),
    benchSkipStartup: v['skip-startup'] ?? false,
    requestTimeoutMs: positiveInt('request-timeout', v['request-timeout'], 30_000),
    maxBodyBytes: byteSize(v['max-body']),
    runTimeoutMs: positiveInt('run-timeout', v['run-timeout'], 3_600_000),
    maxTargetFailures: positiveInt('max-target-failures', v['max-target-failures'], 5),
    verbose: v.verbose ?? false,
  };
}
