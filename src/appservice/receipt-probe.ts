// Whether the homeserver pushes receipts to the application service at all, learnt once per run:
// a user of the AS's namespace posts m.read on its own event, in a room of its own, and the
// receiver is asked for it until a deadline. A server that pushes no ephemeral data (Dendrite
// 0.13.8) would otherwise make every AS scenario wait out its deadline for a receipt, and then for
// a sentinel that cannot come either: with the probe's evidence those waits end at once, and the
// verdict says what the probe saw.
import { randomBytes } from 'node:crypto';
import { httpRequest } from '../client/http.ts';
import { asObject } from '../runner/json.ts';
import { excerpt } from '../safety/terminal.ts';
import type { AppServiceAccess } from './access.ts';
import type { ReceiptPush } from '../runner/receipt-push.ts';
import { observe } from './observer-client.ts';

/** Far longer than any server that pushes receipts takes (Synapse: well under a second). */
export const PROBE_DEADLINE_MS = 10_000;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Runs the probe. Undefined when it could not be run (a request failed): the scenarios then wait
 * as they would without it.
 */
export async function probeReceiptPush(baseUrl: string, access: AppServiceAccess, log: (line: string) => void, deadlineMs = PROBE_DEADLINE_MS): Promise<ReceiptPush | undefined> {
  const call = async (method: string, path: string, json: unknown, token: string) => {
    const res = await httpRequest({ method, url: `${baseUrl}/_matrix/client/v3${path}`, headers: { authorization: `Bearer ${token}` }, json, timeoutMs: REQUEST_TIMEOUT_MS });
    const body = asObject(res.json);
    if (res.status !== 200) throw new Error(`${method} ${path.split('?')[0]} answered ${res.status} ${excerpt(res.text)}`);
    return body ?? {};
  };
  try {
    const username = `${access.userPrefix}probe_${randomBytes(4).toString('hex')}`;
    const reg = await call('POST', '/register', { type: 'm.login.application_service', username, inhibit_login: false }, access.asToken);
    if (typeof reg.access_token !== 'string') throw new Error('POST /register gave no access_token');
    const token = reg.access_token;
    const room = await call('POST', '/createRoom', { preset: 'private_chat', name: 'receipts-conformance receipt-push probe' }, token);
    const roomId = String(room.room_id);
    const sent = await call('PUT', `/rooms/${encodeURIComponent(roomId)}/send/org.matrix.receipts_conformance.probe/p1`, {}, token);
    const eventId = String(sent.event_id);
    const posted = performance.now();
    await call('POST', `/rooms/${encodeURIComponent(roomId)}/receipt/m.read/${encodeURIComponent(eventId)}`, {}, token);
    const deadline = posted + deadlineMs;
    let since = 0;
    let seen = 0;
    for (;;) {
      const remaining = Math.floor(deadline - performance.now());
      if (remaining <= 0) break;
      const page = await observe(access, { since, rooms: [roomId], events: [eventId], timeout_ms: remaining });
      since = page.next;
      seen += page.transactions.length;
      const pushed = page.transactions.some((t) => t.ephemeral.some((e) => e.type === 'm.receipt' && asObject(e.content)?.[eventId] !== undefined));
      if (pushed) {
        const ms = Math.round(performance.now() - posted);
        log(`application service: the homeserver pushed a probe receipt to it in ${ms} ms`);
        return { pushed: true, ms };
      }
    }
    const evidence =
      `at startup a user of the application service's namespace posted m.read on its own event in a room of its own, ` +
      `and in ${deadlineMs / 1000} s the homeserver pushed no m.receipt for it to the application service ` +
      `(${seen} transaction(s) about that room arrived, none with the receipt)`;
    log(`application service: ${evidence}; scenarios that await a pushed receipt are judged by this probe instead of waiting out their deadlines`);
    return { pushed: false, evidence };
  } catch (err) {
    log(`application service: the receipt-push probe could not run (${(err as Error).message}); scenarios wait for pushed receipts up to their deadlines`);
    return undefined;
  }
}
