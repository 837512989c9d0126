// How a local target (Synapse, Dendrite) gets the suite's application service: the receiver starts
// first, the registration naming its port is written into the data directory for the homeserver's
// config to list, and once the homeserver is up the registration is checked from the outside.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { httpRequest } from '../client/http.ts';
import { excerpt } from '../safety/terminal.ts';
import type { CapabilityState } from '../targets/capabilities.ts';
import type { TargetHandle } from '../targets/target.ts';
import type { AppServiceAccess } from './access.ts';
import { AppServiceReceiver, OBSERVE_PATH } from './receiver.ts';
import { probeReceiptPush } from './receipt-probe.ts';
import { newRegistration, renderRegistration, type Registration } from './registration.ts';

const CHECK_TIMEOUT_MS = 10_000;

export interface LocalAppService {
  registration: Registration;
  receiver: AppServiceReceiver;
  /** The registration file the homeserver's config lists. */
  file: string;
  access: AppServiceAccess;
  secrets: string[];
  stop(): Promise<void>;
}

export async function startLocalAppService(dataDir: string, log: (line: string) => void): Promise<LocalAppService> {
  const observerToken = randomBytes(24).toString('hex');
  // The tokens come first: the receiver checks the hs_token; its URL completes the registration.
  const registration0 = newRegistration('');
  const receiver = await AppServiceReceiver.start({ hsToken: registration0.hsToken, observerToken, log });
  const registration = { ...registration0, url: receiver.url };
  const file = join(dataDir, 'appservice.yaml');
  writeFileSync(file, renderRegistration(registration), { mode: 0o600 });
  return {
    registration,
    receiver,
    file,
    access: {
      id: registration.id,
      asToken: registration.asToken,
      userPrefix: registration.userPrefix,
      senderLocalpart: registration.senderLocalpart,
      observerUrl: `${receiver.url}${OBSERVE_PATH}`,
      observerToken,
    },
    secrets: [registration.asToken, registration.hsToken, observerToken],
    stop: () => receiver.stop(),
  };
}

function answer(res: { status: number; json: unknown; text: string }): string {
  const j = res.json as { errcode?: unknown; error?: unknown } | undefined;
  return `${res.status}${typeof j?.errcode === 'string' ? ` ${j.errcode}` : ''}${typeof j?.error === 'string' ? ` ${excerpt(j.error)}` : res.json ? '' : ` ${excerpt(res.text)}`}`;
}

/**
 * The homeserver loaded the registration (its as_token is the sender's, per whoami) and, where it
 * offers the spec's ping (v1.7), reaches the receiver. What fails is the capability's reason. Then
 * the receipt-push probe runs, and its finding goes with the access to the scenarios.
 */
export async function checkAppService(baseUrl: string, as: LocalAppService, log: (line: string) => void): Promise<CapabilityState> {
  const headers = { authorization: `Bearer ${as.registration.asToken}` };
  try {
    // r0 for servers that predate v1.1 (old Synapse versions are targets too).
    let who = await httpRequest({ method: 'GET', url: `${baseUrl}/_matrix/client/v3/account/whoami`, headers, timeoutMs: CHECK_TIMEOUT_MS });
    if (who.status === 404) who = await httpRequest({ method: 'GET', url: `${baseUrl}/_matrix/client/r0/account/whoami`, headers, timeoutMs: CHECK_TIMEOUT_MS });
    const userId = (who.json as { user_id?: unknown } | undefined)?.user_id;
    if (who.status !== 200 || typeof userId !== 'string' || !userId.startsWith(`@${as.registration.senderLocalpart}:`)) {
      return { ok: false, reason: `the homeserver did not load the suite's application-service registration: whoami with its as_token answered ${answer(who)}` };
    }
    const ping = await httpRequest({
      method: 'POST',
      url: `${baseUrl}/_matrix/client/v1/appservice/${encodeURIComponent(as.registration.id)}/ping`,
      headers,
      json: { transaction_id: `rc-${randomBytes(4).toString('hex')}` },
      timeoutMs: CHECK_TIMEOUT_MS,
    });
    const ms = (ping.json as { duration_ms?: unknown } | undefined)?.duration_ms;
    if (ping.status === 200) log(`application service ${as.registration.id} registered; the homeserver reached its receiver on ${as.receiver.url} (ping ${typeof ms === 'number' ? `${ms} ms` : 'ok'})`);
    else if (ping.status === 404 || ping.status === 405) log(`application service ${as.registration.id} registered (as ${userId}); the homeserver has no ping endpoint (${answer(ping)}), so its reach is not checked before the scenarios`);
    else return { ok: false, reason: `the homeserver cannot reach the suite's application service on ${as.receiver.url}: ping answered ${answer(ping)}` };
    const push = await probeReceiptPush(baseUrl, as.access, log);
    if (push) as.access.receiptPush = push;
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `checking the application-service registration failed: ${(err as Error).message}` };
  }
}

/** The handle, stopping the receiver once the homeserver has stopped (it may push until then). */
export function withAppService(handle: TargetHandle, as: LocalAppService): TargetHandle {
  const stop = handle.stop.bind(handle);
  return {
    ...handle,
    async stop() {
      try {
        await stop();
      } finally {
        await as.stop();
      }
    },
  };
}
