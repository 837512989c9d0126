// The EDUs the target sends the scenario's fake federation server, as a stream of transactions.
// Every m.receipt EDU is also checked against the EDU schema (R-FED-02) and for receipt types other
// than m.read (R-FED-04, R-PR-03), whatever the scenario asks.
import { validator, ajvPath } from '../../scenario/schema.ts';
import type { ScenarioContext } from '../context.ts';
import { asObject } from '../json.ts';
import type { Level } from '../../verdict.ts';
import type { Stream } from '../wait.ts';
import type { EduTxn } from './items.ts';
import { neverArrives } from '../receipt-push.ts';

export interface EduProblem {
  key: string;
  rules: string[];
  level: Level;
  message: string;
}

/** What is wrong with an m.receipt EDU the target sent. */
export function receiptEduProblems(edu: { edu_type: string; content: unknown }): EduProblem[] {
  if (edu.edu_type !== 'm.receipt') return [];
  const out: EduProblem[] = [];
  const validate = validator('m.receipt-edu');
  if (!validate({ edu_type: edu.edu_type, content: edu.content })) {
    // Receipt-type keys are judged below, with the level the spec gives each (ajv reports a bad
    // key as an enum error on the room object plus a propertyNames error).
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'propertyNames' && !(e.keyword === 'enum' && e.instancePath.split('/').length === 3));
    if (errors.length) out.push({ key: 'edu schema', rules: ['R-FED-02'], level: 'MUST', message: `an m.receipt EDU breaks the EDU schema: ${ajvPath(errors)}` });
  }
  for (const [roomId, byType] of Object.entries(asObject(edu.content) ?? {})) {
    for (const type of Object.keys(asObject(byType) ?? {})) {
      if (type === 'm.read') continue;
      if (type === 'm.read.private') out.push({ key: 'edu private', rules: ['R-FED-04', 'R-PR-03'], level: 'MUST', message: `an m.receipt EDU carries m.read.private receipts (room ${roomId})` });
      else out.push({ key: 'edu types', rules: ['R-FED-04'], level: 'SHOULD', message: `an m.receipt EDU uses the receipt type ${type} (room ${roomId}); only m.read should be used` });
    }
  }
  return out;
}

const AUTO_KEYS: Record<string, { check: string; rules: string[]; level: Level }> = {
  'edu schema': { check: 'm.receipt EDU schema', rules: ['R-FED-02'], level: 'MUST' },
  'edu private': { check: 'no m.read.private over federation', rules: ['R-FED-04', 'R-PR-03'], level: 'MUST' },
  'edu types': { check: 'only m.read over federation', rules: ['R-FED-04'], level: 'SHOULD' },
};

function validateTxn(ctx: ScenarioContext, txn: EduTxn, where: string): void {
  for (const edu of txn.edus) {
    if (edu.edu_type !== 'm.receipt') continue;
    const problems = receiptEduProblems(edu);
    for (const [key, a] of Object.entries(AUTO_KEYS)) {
      const p = problems.find((x) => x.key === key);
      ctx.auto(key, { where, check: a.check, defaultRules: a.rules, level: a.level }, p ? { message: p.message, actual: { edu_type: edu.edu_type, content: edu.content, txnId: txn.txnId } } : undefined);
    }
  }
}

/** Transactions from where the previous EDU wait stopped; one item per transaction. */
export function eduStream(ctx: ScenarioContext, where: string): Stream<EduTxn> {
  const fake = ctx.federation();
  let idx = ctx.positions.edus;
  const never = neverArrives(ctx.settings.federationReceiptPush, 'over federation');
  return {
    ...(never ? { receiptsNeverArrive: never } : {}),
    async next(deadline) {
      const list = fake.received.edus;
      if (idx >= list.length) {
        const remaining = Math.floor(deadline - performance.now());
        if (remaining <= 0) return undefined;
        try {
          await fake.waitForEdu(() => true, { since: idx, timeoutMs: remaining });
        } catch {
          return undefined;
        }
      }
      // The fake records a transaction's EDUs together, so all of them are here once the first is.
      const first = list[idx]!;
      const edus: EduTxn['edus'] = [];
      while (idx < list.length && list[idx]!.txnId === first.txnId) edus.push(list[idx++]!);
      const txn: EduTxn = { txnId: first.txnId, origin: first.origin, edus };
      validateTxn(ctx, txn, where);
      return txn;
    },
    label: (item, n, tms) => `transaction #${n} (t=${tms} ms, txn ${item.txnId})`,
    close() {
      ctx.positions.edus = idx;
    },
  };
}
