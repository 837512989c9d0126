import Type from 'typebox';
import { DEFAULT_HOLD_MS, MAX_HOLD_MS } from '../../federation/hold.ts';
import { defineStep } from '../kinds.ts';

export const holdRemote = defineStep({
  kind: 'hold_remote',
  summary:
    "The fake server becomes a slow remote: it records the target's transactions carrying an m.receipt EDU at once but holds its answer until answer_remote, or at most max_ms per transaction (then it answers 200 anyway; never 5xx). A homeserver sends one transaction at a time per destination, so it queues what it sends meanwhile.",
  needs: 'federation',
  args: Type.Object(
    {
      max_ms: Type.Optional(Type.Integer({ minimum: 1000, maximum: MAX_HOLD_MS, description: `The longest one answer is held (${DEFAULT_HOLD_MS} ms by default); below the target's federation request timeout.` })),
      edu_types: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'Hold transactions carrying one of these EDU types; m.receipt by default.' })),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args) {
    ctx.federation().holdTransactions({ maxHoldMs: args.max_ms ?? DEFAULT_HOLD_MS, eduTypes: args.edu_types ?? ['m.receipt'] });
  },
});

export const answerRemote = defineStep({
  kind: 'answer_remote',
  summary:
    'The slow remote answers every transaction it holds (200) and stops holding. A precondition: at least one transaction was still held, so the target really had to queue (a hold that ran out its deadline first is reported, and the scenario is blocked).',
  needs: 'federation',
  args: Type.Object({}, { additionalProperties: false }),
  async run(ctx, _args, at) {
    const fake = ctx.federation();
    const { released, expired } = fake.releaseTransactions();
    const ok = released > 0 && expired === 0;
    ctx.record(
      // No rule of its own: a hold that did not happen means the scenario could not exercise the queue (blocked).
      { where: at.where, check: 'a transaction was held until answer_remote', defaultRules: [] },
      ok
        ? { ok, message: `answered ${released} held transaction(s)` }
        : {
            ok,
            message: expired
              ? `${expired} held answer(s) went out at the hold deadline before answer_remote; the target may not have queued anything (raise max_ms)`
              : 'no transaction carrying a receipt was held: the target sent nothing to the slow remote before answer_remote',
            expected: 'at least one transaction held until answer_remote',
            actual: { released, expired },
          },
    );
  },
});
