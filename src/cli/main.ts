// The receipts-conformance command line. Exit codes: 0 conformant, 1 non-conformant or differing
// from the expectations, 2 bad usage or bad scenario, 3 target not started or not reachable.
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createVitest } from 'vitest/node';
import { parseCli, USAGE, UsageError, type CliOptions, type TargetKind } from './args.ts';
import { ResultCollector } from './collector.ts';
import { loadScenarios, ScenarioError, defaultSpecsDir } from '../scenario/loader.ts';
import { projectRoot } from '../scenario/schema.ts';
import { loadExpectations, type Expectations } from '../runner/expectations.ts';
import { selectScenarios, inSpecRange, type SuiteConfig } from '../runner/suite-config.ts';
import { applyExpectations } from '../runner/run-scenario.ts';
import { startSynapseTarget } from '../targets/synapse.ts';
import { startDendriteTarget } from '../targets/dendrite.ts';
import { startContainerTarget, ContainerRuntimeUnavailable } from '../targets/container.ts';
import { openUrlTarget } from '../targets/url.ts';
import { TargetError, type TargetHandle } from '../targets/target.ts';
import { summarise, type ComplianceReport, type ScenarioResult, type RuleInfo, type TargetReport } from '../model.ts';
import type { Scenario } from '../scenario/types.ts';
import { writeReports } from '../../reporters/index.ts';
import { runBench } from './bench.ts';

export const EXIT = { OK: 0, NONCONFORMANT: 1, USAGE: 2, TARGET: 3, CONTAINER_SKIPPED: 75 } as const;

const out = (line: string) => process.stdout.write(line + '\n');
const log = (line: string) => process.stderr.write(`receipts-conformance: ${line}\n`);

export function suiteVersion(): string {
  return JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version;
}

function load(opts: CliOptions): { scenarios: Scenario[]; rules: RuleInfo[]; selected: Scenario[] } {
  const dirs = [defaultSpecsDir, ...opts.specs.map((d) => resolve(d))];
  const { scenarios, rules } = loadScenarios({ dirs });
  return { scenarios, rules, selected: selectScenarios(scenarios, opts) };
}

/** The expectations file for a target kind: given on the command line, else the project's own. */
function expectationsFor(opts: CliOptions, kind: TargetKind, knownIds: Set<string>): Expectations | undefined {
  if (opts.noExpectations) return undefined;
  let file = opts.expectations[kind] ?? opts.expectations['*'];
  if (!file) {
    // A container runs the Synapse image the project builds, so it shares Synapse's deviations.
    const own = kind === 'container' ? 'synapse' : kind;
    const dflt = join(projectRoot, `fixtures/expectations/${own}.yaml`);
    if (kind !== 'url' && existsSync(dflt)) file = dflt;
  }
  return file ? loadExpectations(file, knownIds) : undefined;
}

async function startTarget(opts: CliOptions, kind: TargetKind, reportDir: string): Promise<TargetHandle> {
  switch (kind) {
    case 'url':
      return openUrlTarget({ homeserver: opts.homeserver!, sharedSecret: opts.sharedSecret, usersFile: opts.usersFile });
    case 'synapse':
      return startSynapseTarget({ reportDir, log, version: opts.synapseVersion });
    case 'dendrite':
      return startDendriteTarget({ reportDir, log, version: opts.dendriteVersion });
    case 'container': {
      return startContainerTarget({ reportDir, log, image: opts.image, hostNetwork: opts.containerNetwork === 'host', synapseVersion: opts.synapseVersion });
    }
  }
}

export interface SuiteRun {
  results: ScenarioResult[];
  wallMs: number;
  vitestErrors: string[];
}

/** Runs the selected scenarios through vitest against a started target. */
export async function runSuite(opts: CliOptions, target: TargetHandle, selected: Scenario[], expectations: Expectations | undefined): Promise<SuiteRun> {
  const cfg: SuiteConfig = {
    baseUrl: target.baseUrl,
    pathVersion: opts.pathVersion,
    registration: target.registration,
    serverName: target.serverName,
    runPrefix: `rc${randomBytes(3).toString('hex')}`,
    syncTimeoutMs: opts.syncTimeoutMs,
    pollMs: Math.min(10_000, opts.syncTimeoutMs),
    specDirs: [defaultSpecsDir, ...opts.specs.map((d) => resolve(d))],
    specVersion: opts.spec,
    only: opts.only,
    rules: opts.rules,
    tags: opts.tags,
    expectationsFile: expectations?.file,
  };
  const collector = new ResultCollector(out);
  const started = performance.now();
  const runnable = selected.filter((s) => inSpecRange(s, opts.spec));
  if (runnable.length) {
    // Vitest installs SIGINT/SIGTERM handlers that exit at once; the CLI's own handlers must win,
    // so that Synapse is stopped cleanly before the process ends.
    const before = new Map((['SIGINT', 'SIGTERM'] as const).map((sig) => [sig, process.listeners(sig)]));
    const vitest = await createVitest('test', {
      config: false,
      root: projectRoot,
      include: ['suites/conformance.test.ts'],
      watch: false,
      reporters: [collector],
      maxConcurrency: opts.concurrency,
      testTimeout: opts.syncTimeoutMs * 12 + 60_000,
      hookTimeout: 60_000,
      provide: { rcConfig: cfg },
      pool: 'forks',
      fileParallelism: false,
      passWithNoTests: true,
      silent: 'passed-only',
    });
    for (const [sig, kept] of before) for (const l of process.listeners(sig)) if (!kept.includes(l)) process.off(sig, l);
    try {
      await vitest.start([]);
    } finally {
      await vitest.close();
    }
    process.exitCode = undefined;
  }
  const wallMs = performance.now() - started;
  const results: ScenarioResult[] = selected.map((s) => {
    const got = collector.results.get(s.id);
    if (got) return got;
    const base = { id: s.id, title: s.title, file: s.file, area: s.area, rules: s.rules, level: s.level, tags: s.tags, durationMs: 0, httpWaitMs: 0, findings: [] };
    if (!inSpecRange(s, opts.spec)) {
      return applyExpectations({ ...base, status: 'skip', message: `not part of spec ${opts.spec} (holds ${s.spec.since}${s.spec.until ? ` until ${s.spec.until}` : ' onwards'})` }, undefined);
    }
    return applyExpectations({ ...base, status: 'error', message: 'the scenario produced no result (the test runner failed before it finished)' }, expectations);
  });
  return { results, wallMs, vitestErrors: collector.errors };
}

function targetReport(target: TargetHandle, run: SuiteRun, expectations?: Expectations): TargetReport {
  return {
    id: target.id,
    kind: target.kind,
    homeserver: target.baseUrl,
    software: target.software,
    ...(target.startup ? { startup: target.startup } : {}),
    ...(expectations ? { expectationsFile: expectations.file.replace(projectRoot + '/', '') } : {}),
    summary: summarise(run.results),
    scenarios: run.results,
  };
}

function exitCodeFor(results: ScenarioResult[], withExpectations: boolean): number {
  if (withExpectations) return results.some((r) => r.unexpected) ? EXIT.NONCONFORMANT : EXIT.OK;
  return results.some((r) => r.status === 'fail' || r.status === 'error') ? EXIT.NONCONFORMANT : EXIT.OK;
}

async function cmdRun(opts: CliOptions): Promise<number> {
  const { scenarios, rules, selected } = load(opts);
  const knownIds = new Set(scenarios.map((s) => s.id));
  // Expectations are read before any server starts, so that a bad file costs nothing.
  const expectations = new Map(opts.targets.map((kind) => [kind, expectationsFor(opts, kind, knownIds)]));
  if (!selected.length) throw new UsageError('no scenario matches the --only/--rule/--tag selection');
  const reportDir = resolve(opts.reportDir);
  log(`${selected.length} scenario(s) selected; spec ${opts.spec}; target(s) ${opts.targets.join(', ')}; reports in ${reportDir}`);
  const started = performance.now();
  const reports: TargetReport[] = [];
  const secrets: string[] = [];
  const vitestErrors: string[] = [];
  let code: number = EXIT.OK;
  for (const kind of opts.targets) {
    let target: TargetHandle;
    try {
      target = await startTarget(opts, kind, reportDir);
    } catch (err) {
      if (!(err instanceof ContainerRuntimeUnavailable)) throw err;
      // No container runtime here: say so loudly and mark every scenario skipped, never passed.
      const banner = `CONTAINER TARGET SKIPPED: ${err.message}. No scenario ran against the containerised homeserver.`;
      process.stderr.write(`\n${'!'.repeat(banner.length + 4)}\n!! ${banner}\n${'!'.repeat(banner.length + 4)}\n\n`);
      const results = selected.map((sc) =>
        applyExpectations({ id: sc.id, title: sc.title, file: sc.file, area: sc.area, rules: sc.rules, level: sc.level, tags: sc.tags, status: 'skip', durationMs: 0, httpWaitMs: 0, message: `skipped: ${err.message}`, findings: [] }, undefined),
      );
      reports.push({ id: 'container', kind: 'container', homeserver: '(not started)', software: null, summary: summarise(results), scenarios: results });
      code = Math.max(code, Number(process.env.RC_CONTAINER_SKIP_EXIT ?? EXIT.CONTAINER_SKIPPED));
      continue;
    }
    secrets.push(...target.secrets);
    let run: SuiteRun;
    const exp = expectations.get(kind);
    try {
      log(`target ${target.id} at ${target.baseUrl}${target.software ? ` (${target.software.name} ${target.software.version})` : ''}${exp ? `, expectations ${exp.file.replace(projectRoot + '/', '')}` : ''}`);
      run = await runSuite(opts, target, selected, exp);
    } finally {
      const died = target.failure();
      await target.stop();
      if (died) {
        log(died);
        // eslint-disable-next-line no-unsafe-finally
        return EXIT.TARGET;
      }
    }
    vitestErrors.push(...run.vitestErrors);
    const report = targetReport(target, run, exp);
    reports.push(report);
    const s = report.summary;
    out(`\n${target.id}: ${s.total} scenarios: ${s.pass} pass, ${s['non-strict']} non-strict, ${s.info} info, ${s.fail} fail, ${s.unsupported} unsupported, ${s.skip} skip, ${s.error} error; ${s.unexpected} unexpected${exp ? ` (expectations: ${exp.file.replace(projectRoot + '/', '')})` : ''}`);
    code = Math.max(code, exitCodeFor(run.results, exp !== undefined));
  }
  const report: ComplianceReport = {
    suite: { name: 'receipts-conformance', version: suiteVersion() },
    spec: { version: opts.spec },
    generatedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - started),
    rules,
    targets: reports,
  };
  const { files } = await writeReports(report, reportDir, { secrets });
  for (const e of vitestErrors) log(`test runner: ${e}`);
  out(`reports: ${files.join(', ')}`);
  // A plain closing line CI systems can read: scenarios matching their expectation pass.
  const all = reports.flatMap((r) => r.scenarios.map((s) => ({ s, withExp: r.expectationsFile !== undefined })));
  const skipped = all.filter(({ s }) => s.status === 'skip').length;
  const failed = all.filter(({ s, withExp }) => s.status !== 'skip' && (withExp ? s.unexpected : s.status === 'fail' || s.status === 'error')).length;
  out(`conformance: ${all.length - skipped - failed} passed, ${failed} failed, ${skipped} skipped`);
  if (vitestErrors.length && code === EXIT.OK) return EXIT.NONCONFORMANT;
  return code;
}

function cmdList(opts: CliOptions): number {
  const { selected } = load(opts);
  for (const s of selected) {
    const range = `${s.spec.since}${s.spec.until ? `..${s.spec.until}` : '+'}`;
    out(`${inSpecRange(s, opts.spec) ? ' ' : 'skip'} ${s.level.padEnd(6)} ${s.id.padEnd(58)} ${range.padEnd(12)} ${s.rules.join(',')}`);
  }
  out(`${selected.length} scenario(s)`);
  return EXIT.OK;
}

function cmdLint(opts: CliOptions): number {
  const { scenarios, rules } = load(opts);
  const cited = new Set(scenarios.flatMap((s) => s.rules));
  const gaps = rules.filter((r) => r.testable && ['MUST', 'SHOULD', 'API'].includes(r.strength) && !cited.has(r.id));
  out(`${scenarios.length} scenarios and ${rules.length} rules are valid`);
  if (gaps.length) out(`rules with no scenario yet: ${gaps.map((r) => r.id).join(', ')}`);
  return EXIT.OK;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const opts = parseCli(argv);
    switch (opts.command) {
      case 'help':
        out(USAGE);
        return EXIT.OK;
      case 'list':
        return cmdList(opts);
      case 'lint':
        return cmdLint(opts);
      case 'bench':
        return await runBench(opts, { load, expectationsFor, startTarget, runSuite, log, out });
      case 'run':
        return await cmdRun(opts);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`receipts-conformance: ${err.message}\nRun "receipts-conformance --help" for usage.\n`);
      return EXIT.USAGE;
    }
    if (err instanceof ScenarioError) {
      process.stderr.write(`receipts-conformance: invalid scenario or expectations:\n${err.problems.map((p) => `  ${p}`).join('\n')}\n`);
      return EXIT.USAGE;
    }
    if (err instanceof TargetError) {
      process.stderr.write(`receipts-conformance: target unavailable: ${err.message}\n`);
      return EXIT.TARGET;
    }
    throw err;
  }
  return EXIT.OK;
}
