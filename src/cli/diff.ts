// `receipts-conformance diff OLD.json NEW.json`: what changed between two compliance reports, as
// Markdown for a pull request, with an exit code for CI.
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Ajv } from 'ajv';
import { diffReports, type DiffReport } from '../report-tools/report-diff.ts';
import { renderDiffMarkdown } from '../report-tools/diff-markdown.ts';

export const DIFF_USAGE = `Usage: receipts-conformance diff OLD.json NEW.json

Compares two compliance.json reports target by target (targets matched by id; when each report
has a single target, those two are compared) and prints Markdown: a summary line, then
regressions (most severe first), fixes, new and removed scenarios, and other status changes.

Exit codes: 0 no regressions, 1 regressions, 2 bad usage or a file that is not a compliance report.
`;

export const DIFF_EXIT = { ok: 0, regressions: 1, badInput: 2 } as const;

/** Far above any real report (a full run is a few hundred kB); a cap so no input is unbounded. */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;

export interface DiffIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: DiffIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

// Only what the comparison reads is required, so reports of other suite versions still compare;
// compliance.schema.json is the full contract of a report.
const shape = {
  type: 'object',
  required: ['targets'],
  properties: {
    targets: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'scenarios'],
        properties: {
          id: { type: 'string', minLength: 1 },
          scenarios: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'status'],
              properties: { id: { type: 'string', minLength: 1 }, status: { type: 'string', minLength: 1 }, level: { type: 'string' }, title: { type: 'string' } },
            },
          },
        },
      },
    },
  },
};
const validShape = new Ajv({ allErrors: false }).compile<DiffReport>(shape);

class BadInput extends Error {}

function load(file: string): DiffReport {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new BadInput(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (size > MAX_REPORT_BYTES) throw new BadInput(`${file}: ${size} bytes is more than a compliance report can be (${MAX_REPORT_BYTES})`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BadInput(`${file}: not JSON (${(err as Error).message})`);
  }
  if (!validShape(data)) {
    const e = validShape.errors?.[0];
    throw new BadInput(`${file}: not a compliance report: ${e ? `${e.instancePath || '/'} ${e.message}` : 'unexpected shape'}`);
  }
  const dupes = data.targets.flatMap((t) => {
    const seen = new Set<string>();
    return t.scenarios.filter((s) => (seen.has(s.id) ? true : (seen.add(s.id), false))).map((s) => `${t.id}/${s.id}`);
  });
  if (dupes.length) throw new BadInput(`${file}: a scenario appears twice in one target: ${dupes.slice(0, 3).join(', ')}`);
  return data;
}

/** Runs the command on the arguments after `diff`; returns the exit code. */
export function runDiff(argv: string[], io: DiffIo = processIo): number {
  let positionals: string[];
  let help: boolean | undefined;
  try {
    ({ positionals, values: { help } } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    io.err(`receipts-conformance diff: ${(err as Error).message}\n\n${DIFF_USAGE}`);
    return DIFF_EXIT.badInput;
  }
  if (help) {
    io.out(DIFF_USAGE);
    return DIFF_EXIT.ok;
  }
  if (positionals.length !== 2) {
    io.err(`receipts-conformance diff: expected two reports, OLD.json and NEW.json (got ${positionals.length})\n\n${DIFF_USAGE}`);
    return DIFF_EXIT.badInput;
  }
  const [oldFile, newFile] = positionals as [string, string];
  let oldR: DiffReport;
  let newR: DiffReport;
  try {
    oldR = load(oldFile);
    newR = load(newFile);
  } catch (err) {
    if (!(err instanceof BadInput)) throw err;
    io.err(`receipts-conformance diff: ${err.message}\n`);
    return DIFF_EXIT.badInput;
  }
  const d = diffReports(oldR, newR);
  io.out(renderDiffMarkdown(d, { name: oldFile, report: oldR }, { name: newFile, report: newR }));
  return d.totals.regressions > 0 ? DIFF_EXIT.regressions : DIFF_EXIT.ok;
}
