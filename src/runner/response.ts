// What a step expects of an HTTP answer (`expect:`), and its judgement: one check per expectation.
import { isDeepStrictEqual } from 'node:util';
import Type, { type Static } from 'typebox';
import type { ApiResult } from '../client/matrix.ts';
import { validator, ajvPath } from '../scenario/schema.ts';
import type { ScenarioContext } from './context.ts';
import { HarnessError } from './context.ts';
import { CheckCommon, Template, type At } from './kinds.ts';
import { atPointer, truncate } from './json.ts';

const StatusSpec = Type.Union(
  [
    Type.Integer({ minimum: 100, maximum: 599 }),
    Type.Union([Type.Literal('2xx'), Type.Literal('4xx'), Type.Literal('5xx')]),
    Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { minItems: 1 }),
  ],
  { description: 'A status, a class (4xx), or a list of statuses.' },
);
const Errcode = Type.String({ pattern: '^M_[A-Z_]+$' });

export const Expectation = Type.Object(
  {
    status: Type.Optional(StatusSpec),
    errcode: Type.Optional(Type.Union([Errcode, Type.Array(Errcode, { minItems: 1 })])),
    body: Type.Optional(Template.any('The response body must deep-equal this value.')),
    json: Type.Optional(Template.object('JSON pointer (RFC 6901) -> the value the response body must hold there.')),
    record: Type.Optional(Type.Literal(true, { description: 'Only record status and errcode (the spec is silent).' })),
    ...CheckCommon,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type Expectation = Static<typeof Expectation>;

const ExpectFull = Type.Union([Expectation, Type.Array(Expectation, { minItems: 1 })], {
  description: 'What the answer must be; each entry is one check.',
});
export type Expect = Static<typeof ExpectFull>;

/** Shared by many step kinds, so the scenario schema defines it once. */
export const EXPECT_DEFS = { expect: ExpectFull };
export const Expect = Type.Unsafe<Expect>({ $ref: '#/$defs/expect' });

export function statusMatches(status: number, spec: Expectation['status']): boolean {
  if (spec === undefined) return true;
  if (typeof spec === 'number') return status === spec;
  if (Array.isArray(spec)) return spec.includes(status);
  return Math.floor(status / 100) === Number(spec[0]);
}

function describe(e: Expectation): Record<string, unknown> {
  const { level: _l, rules: _r, record: _rec, ...rest } = e;
  return rest;
}

function errcodeOf(res: ApiResult): string | undefined {
  const code = (res.json as { errcode?: unknown } | undefined)?.errcode;
  return typeof code === 'string' ? code : undefined;
}

/** What the expectation finds wrong with the answer; empty when it holds. */
export function problemsWith(ctx: Pick<ScenarioContext, 'fill'>, res: ApiResult, e: Expectation): string[] {
  const problems: string[] = [];
  const errcode = errcodeOf(res);
  if (!statusMatches(res.status, e.status)) problems.push(`status ${res.status}, expected ${JSON.stringify(e.status)}`);
  if (e.errcode !== undefined) {
    const allowed = Array.isArray(e.errcode) ? e.errcode : [e.errcode];
    if (errcode === undefined || !allowed.includes(errcode)) problems.push(`errcode ${JSON.stringify(errcode ?? null)}, expected ${allowed.join(' or ')}`);
  }
  if (e.body !== undefined && !isDeepStrictEqual(res.json, ctx.fill(e.body))) problems.push(`body ${truncate(res.text)}, expected ${JSON.stringify(ctx.fill(e.body))}`);
  for (const [pointer, want] of Object.entries(e.json ?? {})) {
    const got = atPointer(res.json, ctx.fill(pointer));
    const filled = ctx.fill(want);
    if (!isDeepStrictEqual(got, filled)) problems.push(`${pointer} is ${JSON.stringify(got)}, expected ${JSON.stringify(filled)}`);
  }
  return problems;
}

export interface ResponseDefaults {
  /** The rules the request stands for when the scenario does not say (e.g. R-CS-01 for /receipt). */
  rules?: readonly string[];
  /** The status asked for when the step has no `expect` (2xx if not given). */
  status?: Expectation['status'];
}

/**
 * One check per expectation. Without `expect`, the request must succeed with the default status;
 * that check stands for the default rules (a precondition in scenarios about other rules).
 */
export function judgeResponse(ctx: ScenarioContext, at: At, res: ApiResult, expect: Expect | undefined, defaults: ResponseDefaults = {}): void {
  const list: Expectation[] = expect === undefined ? [{ status: defaults.status ?? '2xx' }] : Array.isArray(expect) ? expect : [expect];
  const observed = `${res.status}${errcodeOf(res) ? ' ' + errcodeOf(res) : ''}`;
  for (const e of list) {
    const problems = problemsWith(ctx, res, e);
    // An `expect` the author wrote stands for the scenario's rules; the implicit one for the step's.
    const spec = { where: at.where, check: `response ${JSON.stringify(describe(e))}`, rules: e.rules, defaultRules: expect === undefined ? defaults.rules : undefined, level: e.level, record: e.record };
    const actual = { status: res.status, body: res.json ?? truncate(res.text) };
    const recording = e.record === true || e.level === 'INFO' || ctx.scenario.level === 'INFO';
    const message = recording ? `observed ${observed}${e.record ? '' : problems.length ? ` (the suite's guess was ${JSON.stringify(describe(e))})` : ' (as guessed)'}` : problems.join('; ');
    ctx.record(spec, { ok: !problems.length, message: message || undefined, expected: describe(e), actual, request: res.record });
  }
  // Every error answer must be a standard error body, whatever the step expected (R-ERR-07).
  if (res.status >= 400 && expect !== undefined) {
    const validate = validator('error');
    const ok = res.json !== undefined && validate(res.json);
    ctx.record(
      { where: at.where, check: 'error body schema', defaultRules: ['R-ERR-07'], auto: true },
      ok ? { ok } : { ok, message: res.json === undefined ? `the ${res.status} answer is not a JSON error body` : `the ${res.status} error body breaks the error schema: ${ajvPath(validate.errors)}`, actual: res.json ?? truncate(res.text), request: res.record },
    );
  }
}

/** A setup request that must succeed: anything else means the target or the harness broke. */
export function requireOk(res: ApiResult, what: string): void {
  if (res.status < 200 || res.status >= 300) {
    const body = res.json as { errcode?: unknown; error?: unknown } | undefined;
    throw new HarnessError(`${what} failed: ${res.status} ${String(body?.errcode ?? '')} ${String(body?.error ?? truncate(res.text, 200))}`.trim(), res.record);
  }
}

/** A step under test when it has `expect`; plain setup otherwise. */
export function judgeOrRequire(ctx: ScenarioContext, at: At, res: ApiResult, expect: Expect | undefined, what: string): void {
  if (expect !== undefined) judgeResponse(ctx, at, res, expect);
  else requireOk(res, what);
}
