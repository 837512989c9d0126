import Type from 'typebox';
import { buildReceiptEdu } from '../../federation/fake-server.ts';
import { defineStep, Name, type At } from '../kinds.ts';
import { HarnessError, type ScenarioContext } from '../context.ts';
import { buildMessage, deliverAndAwait, transact } from '../federation.ts';
import { waitUntil } from '../wait.ts';
import { syncStream } from '../streams/sync.ts';
import { eduVariants, FAMILIES, type EduVariant } from './edu-variants.ts';

/** At most this many transactions per step: one per variant. */
export const MAX_GENERATED = 40;

export const injectGeneratedEdus = defineStep({
  kind: 'inject_generated_edus',
  summary:
    "Malformed m.receipt EDUs derived from the suite's EDU schema (src/runner/steps/edu-variants.ts: each field missing, mistyped or extra, at each level), one transaction per variant, each with a valid receipt EDU beside it. For every variant: the answer must be 200 with a pdus object (R-FED-10); the valid receipt must reach the observer (R-FED-08), and so must a variant the schema still accepts (an extra key where extras are allowed); whether anything else reached the observer over that wait is recorded (INFO).",
  needs: 'federation',
  args: Type.Object(
    {
      family: Type.Union(FAMILIES.map((f) => Type.Literal(f)), { description: 'envelope: edu_type and content themselves; missing, mistyped, extra: inside content.' }),
      as: Name.remote('The remote actor the generated receipts name.'),
      with: Name.remote('The remote actor whose valid receipt rides in each transaction.'),
      observer: Name.local('A local member, who must see each valid receipt. The messages the receipts name are PDUs from `as`, one per variant, all sent beforehand in one transaction.'),
      fields: Type.Optional(Type.Union([Type.Literal('objects'), Type.Literal('values')], { description: 'Only the variants that change an object or array (objects), or a plain value (values); default all. Splits a long family in two.' })),
      room: Type.Optional(Name.room()),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    const roomId = ctx.room(args.room);
    const malformedUser = ctx.remoteUser(args.as);
    const validUser = ctx.remoteUser(args.with);
    const probe = eduVariants({ room: roomId, user: malformedUser, event: '$probe', otherEvent: '$probe2', ts: 0 }).filter((v) => v.family === args.family && (args.fields === undefined || v.leaf === (args.fields === 'values')));
    if (probe.length > MAX_GENERATED) throw new HarnessError(`${at.where}: ${probe.length} ${args.family} variants, more than ${MAX_GENERATED}`);
    // One event per variant, in order, so every receipt moves forward (a server may ignore one that
    // does not). They come from the remote sender of the variants, in one transaction: a local
    // sender would meet the server's message rate limit (Synapse's default: a burst of 10).
    const built = probe.map((_, i) => buildMessage(ctx, { as: args.as, ...(args.room ? { room: args.room } : {}), body: `generated variant ${i + 1}` }));
    await deliverAndAwait(ctx, at, args.room, built);
    const events = built.map((b) => b.eventId);
    for (const [i, p] of probe.entries()) {
      const event = events[i]!;
      const variant = eduVariants({ room: roomId, user: malformedUser, event, otherEvent: events[0]!, ts: ctx.nowMs() }).find((v) => v.id === p.id)!;
      await oneVariant(ctx, { where: `${at.where} variant ${i + 1}/${probe.length} "${variant.id}"` }, variant, { room: args.room, roomId, event, validUser, malformedUser, observer: args.observer });
    }
  },
});

async function oneVariant(ctx: ScenarioContext, at: At, v: EduVariant, o: { room?: string; roomId: string; event: string; validUser: string; malformedUser: string; observer: string }): Promise<void> {
  const valid = buildReceiptEdu(o.roomId, o.validUser, [o.event], { ts: ctx.nowMs() });
  const res = await transact(ctx, at, { edus: [v.edu as { edu_type: string; content: unknown }, valid], expect: { status: 200, rules: ['R-FED-10'] } });
  // A 4xx refuses the whole transaction (a malformed envelope may make the body invalid): nothing in it is due.
  if (res.status >= 400 && res.status < 500) {
    ctx.record({ where: at.where, check: 'the valid EDU beside the variant', record: true }, { ok: true, message: `not awaited: the transaction was refused with ${res.status}` });
    return;
  }
  const validReceipt = { room: o.room, event: o.event, user: o.validUser, rules: ['R-FED-08'] };
  // A variant the schema accepts is an ordinary receipt: it must be applied like one.
  const variantReceipt = { room: o.room, event: o.event, user: o.malformedUser, rules: ['R-FED-08'] };
  const where = `${at.where} observed by ${o.observer}`;
  await waitUntil(ctx, { where }, 'sync', syncStream(ctx, o.observer, undefined, where), {
    until: [{ receipt: validReceipt }, ...(v.valid ? [{ receipt: variantReceipt }] : [])],
    window: [{ no_other_receipts: { room: o.room, except: [validReceipt, ...(v.valid ? [variantReceipt] : [])].map(({ user, event }) => ({ user, event })), level: 'INFO' } }],
    timeoutMs: ctx.settings.syncTimeoutMs,
  });
}
