// The registry of step kinds: the dispatcher, the loader's name checks and the scenario schema
// read it. A new step kind is a module in this folder plus one line in STEPS.
import Type, { type TSchema } from 'typebox';
import { defineStep, only, type At, type StepKind } from '../kinds.ts';
import type { ScenarioContext } from '../context.ts';
import type { StepValue } from '../../scenario/types.ts';
import { createRoom } from './create-room.ts';
import { join } from './join.ts';
import { leave } from './leave.ts';
import { invite } from './invite.ts';
import { kick } from './kick.ts';
import { ban } from './ban.ts';
import { send } from './send.ts';
import { react } from './react.ts';
import { receipt } from './receipt.ts';
import { receiptBurst } from './receipt-burst.ts';
import { readMarkers } from './read-markers.ts';
import { accountData } from './account-data.ts';
import { request } from './request.ts';
import { sync } from './sync.ts';
import { syncUntil } from './sync-until.ts';
import { remoteJoin } from './remote-join.ts';
import { remoteSend } from './remote-send.ts';
import { remoteRelease } from './remote-release.ts';
import { injectReceipt } from './inject-receipt.ts';
import { injectEdu } from './inject-edu.ts';
import { edusUntil } from './edus-until.ts';
import { denyRemote } from './deny-remote.ts';
import { appserviceUser } from './appservice-user.ts';
import { appserviceUntil } from './appservice-until.ts';
import { holdRemote, answerRemote } from './hold-remote.ts';
import { injectGeneratedEdus } from './inject-generated-edus.ts';
import { slidingUntil } from './sliding-until.ts';
import { sliding } from './sliding.ts';
import { tokenInQuery } from './token-in-query.ts';

export const STEPS = [
  createRoom, join, leave, invite, kick, ban, send, react, receipt, receiptBurst, readMarkers, accountData, request, sync, syncUntil,
  remoteJoin, remoteSend, remoteRelease, injectReceipt, injectEdu, edusUntil, denyRemote, holdRemote, answerRemote, injectGeneratedEdus,
  appserviceUser, appserviceUntil,
  slidingUntil, sliding, tokenInQuery,
] as const;

/** One of these kinds, by reference into the scenario schema's $defs. */
function stepUnion(kinds: readonly StepKind[], description: string): TSchema {
  return Type.Unsafe({ anyOf: kinds.map((k) => ({ $ref: `#/$defs/step.${k.kind}` })), description });
}

const plain = STEPS as unknown as readonly StepKind[];

/**
 * Steps sent at the same moment (independent requests, e.g. several users posting receipts at
 * once). It is the one kind made of the others, so it lives with them.
 */
export const parallel = defineStep({
  kind: 'parallel',
  summary: 'Steps sent at the same moment: independent requests, e.g. several users posting receipts at once.',
  args: Type.Unsafe<StepValue[]>(Type.Array(stepUnion(plain, 'A step run alongside the others.'), { minItems: 2, 'x-steps': true })),
  async run(ctx, args, at) {
    await Promise.all(args.map((inner, j) => runStep(ctx, inner, { where: `${at.where} #${j + 1}` })));
  },
});

export const ALL_STEPS: readonly StepKind[] = [...plain, parallel as unknown as StepKind];
const BY_KIND = new Map(ALL_STEPS.map((k) => [k.kind, k]));

export function stepKind(name: string): StepKind | undefined {
  return BY_KIND.get(name);
}

/** The schema of one scenario step. */
export const StepSchema = stepUnion(ALL_STEPS, 'One step: a single key naming its kind.');

/** One definition per step kind, for the scenario schema's $defs: `{kind: args}`. */
export const STEP_DEFS: Record<string, TSchema> = Object.fromEntries(
  ALL_STEPS.map((k) => [`step.${k.kind}`, Type.Object({ [k.kind]: k.args }, { additionalProperties: false, description: k.summary })]),
);

export async function runStep(ctx: ScenarioContext, step: StepValue, at: At): Promise<void> {
  const [name, args] = only(step);
  const kind = BY_KIND.get(name);
  if (!kind) throw new Error(`unknown step kind ${name}`);
  // The loader validated `args` against kind.args.
  await kind.run(ctx, args as never, at);
}
