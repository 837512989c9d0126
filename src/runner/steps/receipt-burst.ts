import Type from 'typebox';
import { enc } from '../../client/matrix.ts';
import { validator, ajvPath } from '../../scenario/schema.ts';
import { defineStep, Name } from '../kinds.ts';
import { asObject } from '../json.ts';

/**
 * Many receipts at once, with the client's 429 handling off, to see whether and how the server
 * rate-limits /receipt. What it answers is recorded; a 429 must still be a rate-limit error.
 */
export const receiptBurst = defineStep({
  kind: 'receipt_burst',
  summary: "A local actor posts `count` receipts on an event at the same moment, with the suite's own 429 handling off; the statuses are recorded, and every 429 must carry M_LIMIT_EXCEEDED (and an integer retry_after_ms when it has one).",
  args: Type.Object(
    { as: Name.local(), room: Type.Optional(Name.room()), event: Name.event(), count: Type.Integer({ minimum: 2, maximum: 100 }), type: Type.Optional(Type.String({ minLength: 1 })) },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    const user = ctx.actor(args.as);
    const path = `/rooms/${enc(ctx.room(args.room))}/receipt/${enc(args.type ?? 'm.read')}/${enc(ctx.event(args.event))}`;
    const answers = await Promise.all(Array.from({ length: args.count }, () => user.call('POST', path, { json: {}, retry429: false })));
    const counts: Record<string, number> = {};
    for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
    ctx.record({ where: at.where, check: `statuses of ${args.count} receipts posted at once`, defaultRules: ['R-ERR-01'], record: true }, { ok: true, message: `observed ${JSON.stringify(counts)}`, actual: counts });
    const limited = answers.filter((a) => a.status === 429);
    if (!limited.length) return;
    const validate = validator('error');
    const bad = limited.find((a) => {
      const body = asObject(a.json);
      return !validate(a.json) || body?.errcode !== 'M_LIMIT_EXCEEDED' || (body.retry_after_ms !== undefined && !Number.isInteger(body.retry_after_ms));
    });
    ctx.record(
      { where: at.where, check: 'a 429 answer is a rate-limit error', defaultRules: ['R-ERR-01'] },
      bad ? { ok: false, message: `a 429 answer is not {errcode: M_LIMIT_EXCEEDED, retry_after_ms?: integer}${validate(bad.json) ? '' : `: ${ajvPath(validate.errors)}`}`, expected: { errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: '(integer, optional)' }, actual: bad.json ?? bad.text, request: bad.record } : { ok: true, message: `${limited.length} answer(s) of 429, each M_LIMIT_EXCEEDED` },
    );
  },
});
