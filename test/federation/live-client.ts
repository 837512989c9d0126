// The few client-server calls the live federation test needs (register, create a room, post a receipt,
// long-poll /sync), on the fake's own HTTP helper so that the test does not depend on the runner's client.

import { createHmac, randomBytes } from 'node:crypto';
import { requestJson } from '../../src/federation/http.ts';

export interface LiveUser {
  baseUrl: string;
  userId: string;
  token: string;
  since?: string;
}

const enc = encodeURIComponent;

async function call(u: Pick<LiveUser, 'baseUrl'> & { token?: string }, method: string, path: string, body?: unknown, timeoutMs = 30_000) {
  const headers: Record<string, string> = u.token ? { Authorization: `Bearer ${u.token}` } : {};
  const res = await requestJson({ method, baseUrl: u.baseUrl, path, headers, ...(body === undefined ? {} : { body }), timeoutMs });
  return res as { status: number; body: any };
}

function must(res: { status: number; body: any }, what: string): any {
  if (res.status !== 200) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body;
}

/** Registration through the shared-secret admin API (Synapse and Dendrite). */
export async function register(baseUrl: string, secret: string, localpart: string): Promise<LiveUser> {
  const path = '/_synapse/admin/v1/register';
  const { nonce } = must(await call({ baseUrl }, 'GET', path), 'nonce');
  const password = randomBytes(12).toString('hex');
  const mac = createHmac('sha1', secret).update(`${nonce}\0${localpart}\0${password}\0notadmin`).digest('hex');
  const body = must(await call({ baseUrl }, 'POST', path, { nonce, username: localpart, password, admin: false, mac }), `register ${localpart}`);
  return { baseUrl, userId: body.user_id, token: body.access_token };
}

export async function createRoom(u: LiveUser, roomVersion?: string): Promise<{ status: number; roomId?: string; body: unknown }> {
  const res = await call(u, 'POST', '/_matrix/client/v3/createRoom', { preset: 'public_chat', ...(roomVersion ? { room_version: roomVersion } : {}) });
  return { status: res.status, body: res.body, ...(res.status === 200 ? { roomId: res.body.room_id as string } : {}) };
}

export async function postReceipt(u: LiveUser, roomId: string, eventId: string): Promise<void> {
  must(await call(u, 'POST', `/_matrix/client/v3/rooms/${enc(roomId)}/receipt/m.read/${enc(eventId)}`, {}), 'receipt');
}

export async function capabilities(u: LiveUser): Promise<{ default: string; available: Record<string, string> }> {
  return must(await call(u, 'GET', '/_matrix/client/v3/capabilities'), 'capabilities').capabilities['m.room_versions'];
}

/** Long-polls /sync from the user's last position until `pred` holds on a response, within `deadlineMs`. */
export async function syncUntil(u: LiveUser, pred: (sync: any) => boolean, deadlineMs: number, what: string): Promise<void> {
  const end = performance.now() + deadlineMs;
  for (;;) {
    const left = Math.floor(end - performance.now());
    if (left <= 0) throw new Error(`${u.userId} did not see ${what} within ${deadlineMs} ms`);
    const poll = Math.min(left, 5000);
    const query = `timeout=${poll}${u.since ? `&since=${enc(u.since)}` : ''}`;
    const sync = must(await call(u, 'GET', `/_matrix/client/v3/sync?${query}`, undefined, poll + 10_000), 'sync');
    u.since = sync.next_batch;
    if (pred(sync)) return;
  }
}

export const timelineHas = (roomId: string, eventId: string) => (sync: any): boolean =>
  (sync.rooms?.join?.[roomId]?.timeline?.events ?? []).some((e: any) => e.event_id === eventId);

export const receiptIn = (roomId: string, eventId: string, userId: string) => (sync: any): boolean =>
  (sync.rooms?.join?.[roomId]?.ephemeral?.events ?? []).some((e: any) => e.type === 'm.receipt' && e.content?.[eventId]?.['m.read']?.[userId] !== undefined);
