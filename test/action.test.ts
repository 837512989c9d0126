// The GitHub Action (action.yml): valid against SchemaStore's action metadata schema (vendored in
// fixtures/schemas/vendor/), used with existing inputs by the example workflow, and its run step
// turns inputs into the right CLI arguments. The run step's own bash is executed here with a
// stand-in `node` that records its arguments, and inputs substituted as GitHub would.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '..');
const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as Action;
const workflow = parse(readFileSync(join(ROOT, '.github/workflows/conformance.yml'), 'utf8')) as Workflow;
const schema = JSON.parse(readFileSync(join(ROOT, 'fixtures/schemas/vendor/github-action.json'), 'utf8')) as object;

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: Step[] };
  [k: string]: unknown;
}
interface Workflow {
  jobs: Record<string, { steps: Step[] }>;
}

// SchemaStore's schema annotates subschemas with bare $comment entries, which strict mode rejects.
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

describe('action.yml against the GitHub Action metadata schema', () => {
  it('is valid', () => {
    const ok = validate(action);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(action.runs.using).toBe('composite');
  });

  it('the schema rejects a run step without a shell, an unknown key and an output without a value', () => {
    const clone = () => JSON.parse(JSON.stringify(action)) as Action;
    const noShell = clone();
    noShell.runs.steps.push({ run: 'echo hi' });
    expect(validate(noShell)).toBe(false);
    const unknownKey = { ...clone(), runs_on: 'ubuntu-latest' };
    expect(validate(unknownKey)).toBe(false);
    const outputWithoutValue = { ...clone(), outputs: { x: { description: 'no value' } } };
    expect(validate(outputWithoutValue)).toBe(false);
  });

  it('the example workflow passes only inputs the action declares', () => {
    const uses = Object.values(workflow.jobs).flatMap((j) => j.steps.filter((s) => s.uses === './'));
    expect(uses.length).toBeGreaterThan(0);
    for (const step of uses) for (const key of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs)).toContain(key);
  });
});

interface ScriptRun {
  code: number;
  argv: string[];
  outputs: Record<string, string>;
  stdout: string;
}

/** Runs the action's `run` step with these inputs; the stand-in node exits with `nodeExit`. */
function runStep(inputs: Record<string, string>, nodeExit = 0): ScriptRun {
  for (const k of Object.keys(inputs)) expect(Object.keys(action.inputs), `unknown input ${k}`).toContain(k);
  const step = action.runs.steps.find((s) => s.id === 'run')!;
  const dir = mkdtempSync(join(tmpdir(), 'rc-action-'));
  const workspace = join(dir, 'workspace');
  spawnSync('mkdir', ['-p', workspace, join(dir, 'bin')]);
  // A file that `cs.*` would match if the script let the shell glob.
  writeFileSync(join(workspace, 'cs.glob-bait'), '');
  const stub = join(dir, 'bin', 'node');
  writeFileSync(stub, `#!/bin/sh\nshift\nfor a in "$@"; do printf '%s\\n' "$a"; done > "${dir}/argv"\nexit ${nodeExit}\n`);
  chmodSync(stub, 0o755);
  const env: Record<string, string> = { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, GITHUB_OUTPUT: join(dir, 'output'), GITHUB_ACTION_PATH: ROOT };
  for (const [name, expr] of Object.entries(step.env ?? {})) {
    const m = /^\$\{\{ inputs\.([\w-]+) \}\}$/.exec(expr);
    expect(m, `env ${name} is not a plain input`).not.toBeNull();
    env[name] = inputs[m![1]!] ?? action.inputs[m![1]!]?.default ?? '';
  }
  writeFileSync(env.GITHUB_OUTPUT!, '');
  const r = spawnSync('bash', ['-c', step.run!], { cwd: workspace, env, encoding: 'utf8', timeout: 10_000 });
  let argv: string[] = [];
  try {
    argv = readFileSync(join(dir, 'argv'), 'utf8').split('\n').slice(0, -1);
  } catch {
    // node was never called
  }
  const outputs = Object.fromEntries(
    readFileSync(env.GITHUB_OUTPUT!, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { code: r.status ?? -1, argv, outputs, stdout: r.stdout };
}

describe("action.yml's run step", () => {
  it('passes a homeserver, the selection and the deviations file through, without globbing', () => {
    const r = runStep({ homeserver: 'http://127.0.0.1:8008', only: 'cs.*\nfed.receipts.edu-batched', tag: 'threads', rule: 'R-PR-01', 'spec-version': 'v1.4', deviations: 'my server.yaml' });
    expect(r.code).toBe(0);
    expect(r.argv[0]).toBe('run');
    const reportDir = r.argv[r.argv.indexOf('--report-dir') + 1]!;
    expect(reportDir).toMatch(/\/workspace\/receipts-conformance-reports$/);
    expect(r.argv.slice(1)).toEqual([
      '--report-dir', reportDir, '--container-network', 'bridge',
      '--homeserver', 'http://127.0.0.1:8008',
      '--spec', 'v1.4', '--deviations', 'my server.yaml',
      '--only', 'cs.*', '--only', 'fed.receipts.edu-batched', '--tag', 'threads', '--rule', 'R-PR-01',
    ]);
    expect(r.outputs).toEqual({ 'report-dir': reportDir, 'exit-code': '0' });
  });

  it('an image alone selects the container target', () => {
    const r = runStep({ image: 'matrixdotorg/synapse:v1.163.2', 'extra-args': '--concurrency 4' });
    expect(r.argv).toContain('--image');
    expect(r.argv.slice(r.argv.indexOf('--target'), r.argv.indexOf('--target') + 2)).toEqual(['--target', 'container']);
    expect(r.argv.slice(-2)).toEqual(['--concurrency', '4']);
  });

  it('refuses a homeserver and an image together without a target, before running anything', () => {
    const r = runStep({ homeserver: 'http://127.0.0.1:8008', image: 'x' });
    expect(r.code).toBe(2);
    expect(r.argv).toEqual([]);
    expect(r.stdout).toContain('::error');
  });

  it("fails on non-conformance unless fail-on-nonconformance is 'false'; other failures always fail", () => {
    expect(runStep({}, 1).code).toBe(1);
    const relaxed = runStep({ 'fail-on-nonconformance': 'false' }, 1);
    expect(relaxed.code).toBe(0);
    expect(relaxed.outputs['exit-code']).toBe('1');
    expect(runStep({ 'fail-on-nonconformance': 'false' }, 3).code).toBe(3);
  });

  it('masks the shared secret and never puts it on the command line', () => {
    const r = runStep({ homeserver: 'http://127.0.0.1:8008', 'shared-secret': 's3cr3t' });
    expect(r.stdout).toContain('::add-mask::s3cr3t');
    expect(r.argv.join(' ')).not.toContain('s3cr3t');
  });
});
