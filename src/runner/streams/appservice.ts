// What the target pushes to the suite's application service, as a stream of transactions: each
// item is one transaction, reduced to the scenario's rooms (the receiver is shared by the run and
// routes by room ID). Every m.receipt in it is also checked against the AS format (R-AS-01):
// the client-server m.receipt event plus a top-level room_id, under the spec's `ephemeral` key.
import { validator, ajvPath } from '../../scenario/schema.ts';
import { HarnessError, type ScenarioContext } from '../context.ts';
import { addSecret } from '../../safety/redaction.ts';
import { observe } from '../../appservice/observer-client.ts';
import type { AppServiceAccess } from '../../appservice/access.ts';
import type { Stream } from '../wait.ts';
import type { AsTxn } from './items.ts';
import { asReceipts } from '../checks/as-receipt.ts';
import { postSentinel } from './sentinel.ts';
import { neverArrives } from '../receipt-push.ts';

/** Longest single long-poll; a wait's deadline is made of several. */
const POLL_MS = 25_000;

/** The run's application service; a HarnessError when the target has none (the scenario lacks `needs: [appservice]`). */
export function appserviceOf(ctx: ScenarioContext): AppServiceAccess {
  const access = ctx.settings.appservice;
  if (!access) throw new HarnessError("this step needs the suite's application service, which the target did not register");
  addSecret(access.asToken);
  addSecret(access.observerToken);
  return access;
}

const AUTO = {
  schema: { check: 'm.receipt in AS transactions: client-server format plus room_id', rules: ['R-AS-01'] },
  key: { check: "AS transactions carry ephemeral data under the spec's `ephemeral` key", rules: ['R-AS-01'] },
  events: { check: 'AS transactions carry the required `events` array', rules: ['R-AS-01'] },
} as const;

function validateTxn(ctx: ScenarioContext, txn: AsTxn, where: string): void {
  const schema = validator('m.receipt-as');
  const receipts = txn.ephemeral.filter((e) => e.type === 'm.receipt');
  for (const ev of receipts) {
    const ok = schema(ev);
    ctx.auto('as m.receipt schema', { where, check: AUTO.schema.check, defaultRules: AUTO.schema.rules }, ok ? undefined : { message: `an m.receipt pushed to the application service breaks the format: ${ajvPath(schema.errors)}`, actual: ev });
  }
  if (receipts.length) {
    const key = txn.ephemeralKey === 'ephemeral' ? undefined : { message: `transaction ${txn.txnId} carries its receipts under ${txn.ephemeralKey ?? 'no key'}, not \`ephemeral\``, actual: { txnId: txn.txnId, key: txn.ephemeralKey } };
    ctx.auto('as ephemeral key', { where, check: AUTO.key.check, defaultRules: AUTO.key.rules }, key);
  }
  ctx.auto('as events array', { where, check: AUTO.events.check, defaultRules: AUTO.events.rules }, txn.hasEvents ? undefined : { message: `transaction ${txn.txnId} has no \`events\` array, which the transaction schema requires`, actual: { txnId: txn.txnId } });
}

/** Transactions from where the scenario's previous AS wait stopped; one item per transaction. */
export function appserviceStream(ctx: ScenarioContext, where: string): Stream<AsTxn> {
  const access = appserviceOf(ctx);
  let since = ctx.positions.appservice;
  const buffer: AsTxn[] = [];
  // The sentinel is posted by one of the scenario's users in the AS's namespace: its own room is
  // one the AS is interested in, so its receipt is pushed through the same stream.
  const asActor = [...ctx.users.entries()].find(([, u]) => u.userId.startsWith(`@${access.userPrefix}`))?.[0];
  const never = neverArrives(access.receiptPush, 'to the application service');
  return {
    ...(never ? { receiptsNeverArrive: never } : {}),
    ...(asActor
      ? {
          async sentinel() {
            const s = await postSentinel(ctx, asActor);
            return (txn: AsTxn) => asReceipts(txn).some((e) => e.userId === s.userId && e.eventIds.includes(s.eventId));
          },
        }
      : {}),
    async next(deadline) {
      while (!buffer.length) {
        const remaining = Math.floor(deadline - performance.now());
        if (remaining <= 0) return undefined;
        let page;
        try {
          page = await observe(access, { since, rooms: [...ctx.rooms.values(), ...ctx.sentinelRooms.values()], events: [...ctx.events.values()], timeout_ms: Math.min(remaining, POLL_MS) });
        } catch (err) {
          throw new HarnessError(`${where}: ${(err as Error).message}`);
        }
        if (page.dropped) throw new HarnessError(`${where}: the receiver's log dropped ${page.dropped} transaction(s) this scenario had not read (its cap was reached)`);
        since = page.next;
        buffer.push(...page.transactions);
      }
      const txn = buffer.shift()!;
      validateTxn(ctx, txn, where);
      return txn;
    },
    label: (item, n, tms) => `AS transaction #${n} (t=${tms} ms, txn ${item.txnId})`,
    close() {
      ctx.positions.appservice = buffer[0]?.seq ?? since;
    },
  };
}
