// The receipts-conformance command line. Exit codes: 0 conformant, 1 non-conformant or differing
// from the deviations, 2 bad usage or a bad input file, 3 target not started or not reachable.
import { parseCli, USAGE, UsageError, type CliOptions } from './args.ts';
import { ScenarioError } from '../scenario/loader.ts';
import { TargetError } from '../targets/target.ts';
import { inSpecRange } from '../runner/selection.ts';
import { cmdRun, loadSelection, EXIT, type Io } from './run.ts';
import { specFor } from './targets.ts';
import { addSecret, installOutputRedaction, safeText } from '../safety/redaction.ts';
import { InputError, capProblems } from '../safety/input-error.ts';
import { setHttpLimits } from '../client/limits.ts';

export { EXIT } from './run.ts';

const io: Io = {
  out: (line) => process.stdout.write(line + '\n'),
  log: (line) => process.stderr.write(`receipts-conformance: ${line}\n`),
};

function cmdList(opts: CliOptions): number {
  const { selected } = loadSelection(opts);
  for (const s of selected) {
    const range = `${s.spec.since}${s.spec.until ? `..${s.spec.until}` : '+'}`;
    io.out(`${inSpecRange(s, specFor(opts)) ? '    ' : 'skip'} ${s.level.padEnd(6)} ${s.id.padEnd(58)} ${range.padEnd(12)} ${s.rules.join(',')}${s.needs.length ? `  needs ${s.needs.join(',')}` : ''}`);
  }
  io.out(`${selected.length} scenario(s)`);
  return EXIT.OK;
}

function cmdLint(opts: CliOptions): number {
  const { scenarios, rules } = loadSelection(opts);
  const cited = new Set(scenarios.flatMap((s) => s.rules));
  const gaps = rules.filter((r) => r.testable && ['MUST', 'SHOULD', 'API'].includes(r.level) && !cited.has(r.id));
  io.out(`${scenarios.length} scenarios and ${rules.length} rules are valid`);
  if (gaps.length) io.out(`rules with no scenario yet: ${gaps.map((r) => r.id).join(', ')}`);
  return EXIT.OK;
}

async function runLoadCommand(argv: string[]): Promise<number> {
  // Commands load what they need when they run: `--help` and a bad option answer at once.
  const { parseLoadOptions, runLoad } = await import('../load/index.ts');
  try {
    return await runLoad(parseLoadOptions(argv), io);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`receipts-conformance load: ${err.message}\nRun "receipts-conformance load --help" for usage.\n`);
    return EXIT.USAGE;
  }
}

export async function main(argv: string[]): Promise<number> {
  // Every console line is redacted and stripped of control characters, whatever prints it.
  installOutputRedaction();
  // `diff` and `load` have options of their own.
  if (argv[0] === 'diff') return (await import('./diff.ts')).runDiff(argv.slice(1));
  if (argv[0] === 'load') return runLoadCommand(argv.slice(1));
  let verbose = argv.includes('--verbose');
  try {
    const opts = parseCli(argv);
    verbose = opts.verbose;
    addSecret(opts.sharedSecret);
    setHttpLimits({ requestTimeoutMs: opts.requestTimeoutMs, maxBodyBytes: opts.maxBodyBytes });
    switch (opts.command) {
      case 'help':
        io.out(USAGE);
        return EXIT.OK;
      case 'list':
        return cmdList(opts);
      case 'lint':
        return cmdLint(opts);
      case 'bench':
        return await (await import('./bench.ts')).runBench(opts, io);
      case 'run':
        return await cmdRun(opts, io);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`receipts-conformance: ${err.message}\nRun "receipts-conformance --help" for usage.\n`);
      return EXIT.USAGE;
    }
    if (err instanceof ScenarioError || err instanceof InputError) {
      process.stderr.write(`receipts-conformance: invalid scenario or input file:\n${capProblems(err.problems, 20).map((p) => `  ${p}`).join('\n')}\n`);
      return EXIT.USAGE;
    }
    if (err instanceof TargetError) {
      process.stderr.write(`receipts-conformance: target unavailable: ${err.message}\n`);
      return EXIT.TARGET;
    }
    const e = err as Error;
    process.stderr.write(`receipts-conformance: internal error: ${safeText(String(e?.message ?? err)).split('\n')[0]}${verbose && e?.stack ? `\n${safeText(e.stack)}` : ' (--verbose prints the stack)'}\n`);
    return EXIT.NONCONFORMANT;
  }
}
