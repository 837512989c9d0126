// Judges an HTTP response against a step's `expect` list and turns mismatches into findings.
import { isDeepStrictEqual } from 'node:util';
import type { ApiResult } from '../client/matrix.ts';
import type { Expectation } from '../scenario/types.ts';
import { validator } from '../scenario/schema.ts';
import { StopScenario, type ScenarioContext } from './context.ts';

export function statusMatches(status: number, spec: Expectation['status']): boolean {
  if (spec === undefined) return true;
  if (typeof spec === 'number') return status === spec;
  if (Array.isArray(spec)) return spec.includes(status);
  const klass = Number(spec[0]);
  return Math.floor(status / 100) === klass;
}

function describeExpectation(e: Expectation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (e.status !== undefined) out.status = e.status;
  if (e.errcode !== undefined) out.errcode = e.errcode;
  if (e.body !== undefined) out.body = e.body;
  if (e.json !== undefined) out.json = e.json;
  return out;
}

export function ajvPath(errors: { instancePath: string; message?: string }[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`).join('; ');
}

/**
 * Records findings for every expectation the response misses. INFO expectations (and `record`)
 * always record what was observed. Throws StopScenario after a non-INFO mismatch, since later
 * steps build on this one.
 */
export function judgeResponse(ctx: ScenarioContext, where: string, res: ApiResult, expect: Expectation | Expectation[] | undefined, defaults: { rules: string[]; status?: Expectation['status'] }): void {
  const list: Expectation[] = expect === undefined ? [{ status: defaults.status ?? '2xx', rules: defaults.rules }] : Array.isArray(expect) ? expect : [expect];
  const errcode = res.json && typeof res.json === 'object' ? res.json.errcode : undefined;
  const observed = `${res.status}${errcode ? ' ' + errcode : ''}`;
  let stop = false;
  for (const e of list) {
    const level = ctx.levelOf(e.level);
    const rules = e.rules ?? ctx.scenario.rules;
    const problems: string[] = [];
    if (!statusMatches(res.status, e.status)) problems.push(`status ${res.status}, expected ${JSON.stringify(e.status)}`);
    if (e.errcode !== undefined) {
      const allowed = Array.isArray(e.errcode) ? e.errcode : [e.errcode];
      if (!allowed.includes(errcode)) problems.push(`errcode ${JSON.stringify(errcode ?? null)}, expected ${allowed.join(' or ')}`);
    }
    if (e.body !== undefined && !isDeepStrictEqual(res.json, e.body)) problems.push(`body ${truncate(res.text)}, expected ${JSON.stringify(e.body)}`);
    for (let [pointer, want] of Object.entries(e.json ?? {})) {
      const got = atPointer(res.json, ctx.fill(pointer));
      want = ctx.fill(want);
      if (!isDeepStrictEqual(got, want)) problems.push(`${pointer} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
    // A step with no expect only needs to succeed; its success is not an observation worth a line.
    if (expect === undefined && !problems.length) continue;
    if (e.record || level === 'INFO') {
      ctx.add({ where, rules, level: 'INFO', message: `observed ${observed}${e.record ? '' : problems.length ? ` (the suite's guess was ${JSON.stringify(describeExpectation(e))})` : ' (as guessed)'}`, expected: describeExpectation(e), actual: { status: res.status, body: res.json ?? res.text }, request: res.record });
      continue;
    }
    if (problems.length) {
      ctx.add({ where, rules, level, message: problems.join('; '), expected: describeExpectation(e), actual: { status: res.status, body: res.json ?? truncate(res.text) }, request: res.record });
      stop = true;
    }
  }
  // Every error answer must be a standard error body, whatever the step expected.
  if (res.status >= 400 && expect !== undefined) {
    const validate = validator('error');
    if (res.json === undefined || !validate(res.json)) {
      ctx.add({
        where,
        rules: ['R-ERR-07'],
        level: ctx.levelOf('MUST'),
        message: res.json === undefined ? `the ${res.status} answer is not a JSON error body` : `the ${res.status} error body breaks the error schema: ${ajvPath(validate.errors)}`,
        actual: res.json ?? truncate(res.text),
        request: res.record,
      });
      if (ctx.levelOf('MUST') !== 'INFO') stop = true;
    }
  }
  if (stop) throw new StopScenario();
}

/** RFC 6901 JSON pointer lookup ("/notifications/0/read"). */
export function atPointer(value: unknown, pointer: string): unknown {
  if (pointer === '' || pointer === '/') return value;
  let cur: any = value;
  for (const raw of pointer.replace(/^\//, '').split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[seg];
  }
  return cur;
}

function truncate(text: string, max = 300): string {
  return text.length > max ? text.slice(0, max) + '…' : text;
}
