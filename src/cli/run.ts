// `receipts-conformance run`: every input is read and checked before any target starts, then each
// target runs the planned scenarios, and the reports cover all of them.
import { resolve } from 'node:path';
import { prepareReportDir } from '../safety/report-dir.ts';
import { addSecret } from '../safety/redaction.ts';
import { loadUsersFile } from '../safety/users-file.ts';
import { MatrixApi, type MatrixUser } from '../client/matrix.ts';
import { probeRegistration, RegistrationError } from '../client/register.ts';
import { TransportError } from '../client/http.ts';
import { TargetError } from '../targets/target.ts';
import { randomBytes } from 'node:crypto';
import type { CliOptions, TargetRef } from './args.ts';
import { UsageError } from './args.ts';
import { deviationsFileFor, pathVersionFor, specFor, startTarget } from './targets.ts';
import { loadTargetFile } from '../targets/declarative.ts';
import { asObject } from '../runner/json.ts';
import { loadScenarios, defaultSpecsDir } from '../scenario/loader.ts';
import { projectRoot } from '../scenario/schema.ts';
import type { Capability, Scenario } from '../scenario/types.ts';
import { loadDeviations, type Deviations } from '../runner/deviations.ts';
import { selectScenarios, inSpecRange, outOfRangeReason } from '../runner/selection.ts';
import { expectedStatus, resultFor } from '../runner/result.ts';
import { TARGET_UNAVAILABLE, type RunPlan } from '../runner/plan.ts';
import { ContainerRuntimeUnavailable } from '../targets/container-errors.ts';
import { probeCapabilities, type Capabilities } from '../targets/capabilities.ts';
import { LOOPBACK_FAKE_NAME } from '../federation/fake-server.ts';
import { prepareFederation, type FederationAccess, type FederationOptions } from '../targets/federation-access.ts';
import type { TargetHandle } from '../targets/target.ts';
import { summarise, type ComplianceReport, type RuleInfo, type ScenarioResult, type TargetReport } from '../model.ts';
import { writeReports } from '../../reporters/index.ts';
import { suiteVersion } from './version.ts';

export const EXIT = { OK: 0, NONCONFORMANT: 1, USAGE: 2, TARGET: 3, CONTAINER_SKIPPED: 75 } as const;

export interface Io {
  out: (line: string) => void;
  log: (line: string) => void;
}

export function loadSelection(opts: CliOptions): { scenarios: Scenario[]; rules: RuleInfo[]; selected: Scenario[] } {
  const { scenarios, rules } = loadScenarios({ dirs: [defaultSpecsDir, ...opts.specs.map((d) => resolve(d))] });
  return { scenarios, rules, selected: selectScenarios(scenarios, opts) };
}

/** The plan for one target: what runs, and a skip result (with its reason) for what does not. */
export function planFor(selected: readonly Scenario[], spec: string, caps: Capabilities): { runnable: Scenario[]; skipped: Map<string, string> } {
  const runnable: Scenario[] = [];
  const skipped = new Map<string, string>();
  for (const s of selected) {
    const missing = s.needs.filter((n) => caps[n]?.ok === false);
    if (!inSpecRange(s, spec)) skipped.set(s.id, outOfRangeReason(s, spec));
    else if (missing.length) skipped.set(s.id, `the target lacks ${missing.map((n) => `${n} (${caps[n]?.reason ?? 'not offered'})`).join(', ')}`);
    else runnable.push(s);
  }
  return { runnable, skipped };
}

export function exitCodeFor(results: readonly ScenarioResult[], withDeviations: boolean): number {
  const judged = results.filter((r) => !r.tentative);
  if (withDeviations) return judged.some((r) => r.unexpected) ? EXIT.NONCONFORMANT : EXIT.OK;
  const broken = judged.some((r) => r.status === 'fail' || r.status === 'error' || r.checks.some((c) => c.role !== 'record' && c.status === 'fail'));
  return broken ? EXIT.NONCONFORMANT : EXIT.OK;
}

// Registration is a couple of requests; a target that cannot do it in this long cannot run scenarios.
const REGISTRATION_PROBE_MS = 10_000;

/**
 * Registration must work before any scenario runs: one clear error (exit 3) instead of one per
 * scenario. Returns the user it registered (its ID names the target's server).
 */
export async function checkRegistration(opts: CliOptions, target: TargetHandle, runPrefix: string): Promise<MatrixUser> {
  try {
    return await probeRegistration(new MatrixApi({ baseUrl: target.baseUrl, pathVersion: pathVersionFor(opts, target) }), target.registration, `${runPrefix}_probe`, { deadlineMs: REGISTRATION_PROBE_MS });
  } catch (err) {
    if (err instanceof RegistrationError || err instanceof TransportError) throw new TargetError(`${target.baseUrl}: users cannot be registered, so no scenario can run: ${err.message}`);
    throw err;
  }
}

/** Every user and room a run creates carries this prefix. */
export function newRunPrefix(): string {
  return `rc${randomBytes(3).toString('hex')}`;
}

/** Where the fake federation servers listen and what they are called (on loopback: LOOPBACK_FAKE_NAME). */
export function federationOptions(opts: CliOptions, io: Io): FederationOptions {
  const advertised = opts.federationName ?? (opts.federationBind ? undefined : LOOPBACK_FAKE_NAME);
  return {
    log: io.log,
    ...(opts.federationUrl ? { federationUrl: opts.federationUrl } : {}),
    ...(opts.federationBind ? { bindHost: opts.federationBind } : {}),
    ...(advertised ? { advertisedHost: advertised } : {}),
  };
}

/** What the vitest worker needs to run scenarios against a started target. */
export function makePlan(opts: CliOptions, target: TargetHandle, runnable: Scenario[], rules: RuleInfo[], deviations: Deviations | undefined, extra: { runPrefix: string; roomVersion?: string; federation?: FederationAccess }): RunPlan {
  return {
    target: {
      baseUrl: target.baseUrl,
      pathVersion: pathVersionFor(opts, target),
      registration: target.registration,
      ...(target.serverName ? { serverName: target.serverName } : {}),
      ...(extra.federation ? { federation: extra.federation } : {}),
      ...(target.appservice ? { appservice: target.appservice } : {}),
    },
    settings: { runPrefix: extra.runPrefix, syncTimeoutMs: opts.syncTimeoutMs, pollMs: Math.min(10_000, opts.syncTimeoutMs), ...(extra.roomVersion ? { roomVersion: extra.roomVersion } : {}) },
    limits: { requestTimeoutMs: opts.requestTimeoutMs, maxBodyBytes: opts.maxBodyBytes, maxTargetFailures: opts.maxTargetFailures, setupTimeoutMs: opts.runTimeoutMs },
    scenarios: runnable,
    deviations: deviations?.byId ?? {},
    rules,
  };
}

interface TargetRun {
  reports: TargetReport[];
  secrets: string[];
  code: number;
  vitestErrors: string[];
}

/** Room versions the target offers, and its default (GET /capabilities), or undefined if it will not say. */
async function roomVersionsOf(user: MatrixUser): Promise<{ available: string[]; default?: string } | undefined> {
  const res = await user.call('GET', '/capabilities');
  const rv = asObject(asObject(asObject(res.json)?.capabilities)?.['m.room_versions']);
  const available = Object.keys(asObject(rv?.available) ?? {});
  if (res.status !== 200 || !available.length) return undefined;
  return { available, ...(typeof rv?.default === 'string' ? { default: rv.default } : {}) };
}

function skippedAll(selected: readonly Scenario[], status: 'skip' | 'unsupported', message: string, deviations?: Deviations): ScenarioResult[] {
  return selected.map((s) => resultFor(s, { status, message }, deviations?.byId[s.id]));
}

async function runTarget(opts: CliOptions, ref: TargetRef, selected: readonly Scenario[], rules: RuleInfo[], deviations: Deviations | undefined, reportDir: string, io: Io): Promise<TargetRun | number> {
  let target: TargetHandle;
  try {
    target = await startTarget(opts, ref, { reportDir, log: io.log, appservice: selected.some((s) => s.needs.includes('appservice')) });
  } catch (err) {
    if (!(err instanceof ContainerRuntimeUnavailable)) throw err;
    // No container runtime here: say so loudly and mark every scenario skipped, never passed.
    const banner = `CONTAINER TARGET SKIPPED: ${err.message}. No scenario ran against the containerised homeserver.`;
    process.stderr.write(`\n${'!'.repeat(banner.length + 4)}\n!! ${banner}\n${'!'.repeat(banner.length + 4)}\n\n`);
    const results = skippedAll(selected, 'skip', `skipped: ${err.message}`);
    const report: TargetReport = { id: 'container', kind: 'container', homeserver: '(not started)', software: null, summary: summarise(results), scenarios: results };
    return { reports: [report], secrets: [], code: Number(process.env.RC_CONTAINER_SKIP_EXIT ?? EXIT.CONTAINER_SKIPPED), vitestErrors: [] };
  }
  try {
    for (const secret of target.secrets) addSecret(secret);
    const spec = specFor(opts, target);
    const runPrefix = newRunPrefix();
    const probeUser = await checkRegistration(opts, target, runPrefix);
    const serverName = target.serverName ?? probeUser.userId.slice(probeUser.userId.indexOf(':') + 1);
    const needed = new Set<Capability>(selected.flatMap((s) => s.needs));
    const fed = needed.has('federation') ? await prepareFederation(target, federationOptions(opts, io), serverName) : undefined;
    const caps = await probeCapabilities(target, needed, fed?.state, pathVersionFor(opts, target));
    for (const [c, state] of Object.entries(caps)) if (!state.ok) io.log(`${target.id}: no ${c}: ${state.reason}; scenarios that need it are skipped`);
    const versions = await roomVersionsOf(probeUser);
    io.log(`target ${target.id} at ${target.baseUrl}${target.software ? ` (${target.software.name} ${target.software.version})` : ''}, spec ${spec}${versions?.default ? `, default room version ${versions.default}` : ''}${deviations ? `, deviations ${deviations.file.replace(projectRoot + '/', '')}` : ''}`);
    const out: TargetRun = { reports: [], secrets: target.secrets, code: EXIT.OK, vitestErrors: [] };
    // One run per room version asked for; without --room-version, one run in the server's default.
    for (const roomVersion of opts.roomVersions.length ? opts.roomVersions : [undefined]) {
      const id = roomVersion === undefined ? target.id : `${target.id} v${roomVersion}`;
      let results: ScenarioResult[];
      if (roomVersion !== undefined && versions && !versions.available.includes(roomVersion)) {
        results = skippedAll(selected, 'unsupported', `${target.id} does not offer room version ${roomVersion} (it offers ${versions.available.join(', ')})`, deviations);
        io.log(`${id}: room version ${roomVersion} is not offered; its scenarios are unsupported`);
      } else {
        const { runnable, skipped } = planFor(selected, spec, caps);
        const plan = makePlan(opts, target, runnable, rules, deviations, { runPrefix: roomVersion === undefined ? runPrefix : newRunPrefix(), ...(roomVersion ? { roomVersion } : {}), ...(fed?.access ? { federation: fed.access } : {}) });
        const { runSuite } = await import('./run-suite.ts');
        const run = await runSuite(plan, { concurrency: opts.concurrency, syncTimeoutMs: opts.syncTimeoutMs, runTimeoutMs: opts.runTimeoutMs, out: io.out });
        if (run.deadlinePassed) io.log(`the run deadline (--run-timeout ${opts.runTimeoutMs} ms) passed; unfinished scenarios are reported as error`);
        out.vitestErrors.push(...run.vitestErrors);
        results = selected.map((s) => {
          const reason = skipped.get(s.id);
          if (reason !== undefined) return resultFor(s, { status: 'skip', message: reason }, deviations?.byId[s.id]);
          const why = run.deadlinePassed ? `the run deadline (--run-timeout ${opts.runTimeoutMs} ms) passed before it finished` : 'the scenario produced no result (the test runner failed before it finished)';
          return run.results.get(s.id) ?? resultFor(s, { status: 'error', message: why }, deviations?.byId[s.id]);
        });
      }
      out.reports.push({
        id,
        kind: target.kind,
        homeserver: target.baseUrl,
        software: target.software,
        ...(target.startup ? { startup: target.startup } : {}),
        specVersion: spec,
        ...(roomVersion ?? versions?.default ? { roomVersion: roomVersion ?? `${versions!.default} (default)` } : {}),
        ...(deviations ? { deviationsFile: deviations.file.replace(projectRoot + '/', '') } : {}),
        ...(Object.keys(caps).length ? { capabilities: caps } : {}),
        summary: summarise(results),
        scenarios: results,
      });
      // The circuit breaker tripped: the target stopped answering, which is not a verdict.
      const unavailable = results.some((r) => r.message.startsWith(TARGET_UNAVAILABLE));
      if (unavailable) io.log(`${id}: the target stopped answering (${opts.maxTargetFailures} scenarios in a row could not reach it); the rest are reported as error`);
      out.code = Math.max(out.code, unavailable ? EXIT.TARGET : exitCodeFor(results, deviations !== undefined));
      if (unavailable) break;
    }
    return out;
  } finally {
    const died = target.failure();
    await target.stop();
    if (died) {
      io.log(died);
      // eslint-disable-next-line no-unsafe-finally
      return EXIT.TARGET;
    }
  }
}

export async function cmdRun(opts: CliOptions, io: Io): Promise<number> {
  // Every input is read and checked before any server starts or any request is made, so a bad file
  // costs a second and exits 2, and a report folder that cannot be written never loses a run.
  const reportDir = prepareReportDir(opts.reportDir);
  if (opts.usersFile) loadUsersFile(opts.usersFile);
  const { scenarios, rules, selected } = loadSelection(opts);
  if (!selected.length) throw new UsageError('no scenario matches the --only/--rule/--tag selection');
  const knownIds = new Set(scenarios.map((s) => s.id));
  const deviations = new Map(
    opts.targets.map((ref) => {
      const file = deviationsFileFor(opts, ref);
      return [ref.name, file ? loadDeviations(file, knownIds) : undefined] as const;
    }),
  );
  // A target file is read now too, so that a mistake in it costs nothing.
  for (const ref of opts.targets) if (ref.file) loadTargetFile(ref.file);
  io.log(`${selected.length} scenario(s) selected; target(s) ${opts.targets.map((t) => t.name).join(', ')}; reports in ${reportDir}`);
  const started = performance.now();
  const reports: TargetReport[] = [];
  const vitestErrors: string[] = [];
  const secrets: string[] = [];
  let code: number = EXIT.OK;
  for (const ref of opts.targets) {
    const r = await runTarget(opts, ref, selected, rules, deviations.get(ref.name), reportDir, io);
    if (typeof r === 'number') return r;
    reports.push(...r.reports);
    vitestErrors.push(...r.vitestErrors);
    secrets.push(...r.secrets);
    code = Math.max(code, r.code);
    for (const t of r.reports) {
      const s = t.summary;
      io.out(`\n${t.id}: ${s.total} scenarios: ${s.pass} pass, ${s['non-strict']} non-strict, ${s.info} info, ${s.fail} fail, ${s.unsupported} unsupported, ${s.blocked} blocked, ${s.skip} skip, ${s.error} error; ${s.unexpected} unexpected`);
    }
  }
  const report: ComplianceReport = {
    suite: { name: 'receipts-conformance', version: suiteVersion() },
    spec: { version: specFor(opts, undefined) },
    generatedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - started),
    rules,
    targets: reports,
  };
  const { files } = await writeReports(report, reportDir, { secrets });
  for (const e of vitestErrors) io.log(`test runner: ${e}`);
  io.out(`reports: ${files.join(', ')}`);
  // A plain closing line CI systems can read: scenarios matching their expectation pass; tentative
  // ones are counted apart, as they never change the exit code.
  const all = reports.flatMap((r) => r.scenarios.map((s) => ({ s, target: r.id, withDev: r.deviationsFile !== undefined })));
  const skipped = all.filter(({ s }) => s.status === 'skip').length;
  const tentative = all.filter(({ s }) => s.status !== 'skip' && s.tentative).length;
  const failing = all.filter(({ s, withDev }) => s.status !== 'skip' && !s.tentative && (withDev ? s.unexpected : s.status === 'fail' || s.status === 'error'));
  const failed = failing.length;
  // Named again at the very end, where a CI log's tail is read, each with its cause.
  for (const { s, target } of failing) {
    io.out(`failed: ${target} ${s.id}: ${s.status}${s.unexpected ? ` (expected ${expectedStatus(s)})` : ''}${s.message ? `: ${s.message.split('\n')[0]!.slice(0, 300)}` : ''}`);
  }
  io.out(`conformance: ${all.length - skipped - tentative - failed} passed, ${failed} failed, ${skipped} skipped${tentative ? `, ${tentative} tentative (reported apart)` : ''}`);
  if (vitestErrors.length && code === EXIT.OK) return EXIT.NONCONFORMANT;
  return code;
}
