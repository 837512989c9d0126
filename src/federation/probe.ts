// Can the target reach the fake server? Start a fake, send the target one signed PUT /send with an empty
// transaction (the target must fetch the fake's key to check the X-Matrix signature: the key ID and the
// server name are new), and answer as soon as the key request arrives, or say why not within a deadline.

import { FakeHomeserver, type FakeHomeserverOptions, type FederationResponse } from './fake-server.ts';

export type ProbeResult = { ok: true; serverName: string; ms: number } | { ok: false; reason: string };

export interface ProbeOptions extends Pick<FakeHomeserverOptions, 'target' | 'bindHost' | 'advertisedHost' | 'log'> {
  /** Deadline for the whole probe (default 20 s; Synapse gives a key fetch 10 s). */
  deadlineMs?: number;
}

const FIX_LISTENER =
  'pass --federation-bind ADDRESS (an address of this machine the target can reach) and ' +
  '--federation-name HOST (the name or address the target should use for it)';
const FIX_TARGET_URL = "pass --federation-url URL with the target's federation base URL";

function describeAnswer(res: FederationResponse): string {
  const body = res.body as { errcode?: unknown; error?: unknown } | undefined;
  const detail = body && typeof body === 'object' ? [body.errcode, body.error].filter((x) => typeof x === 'string').join(': ') : String(res.body ?? '');
  return `${res.status}${detail ? ` (${detail.slice(0, 200)})` : ''}`;
}

async function startFake(opts: ProbeOptions, lines: string[]): Promise<FakeHomeserver | string> {
  const log = (line: string): void => {
    lines.push(line);
    opts.log?.(line);
  };
  try {
    return await FakeHomeserver.start({ ...opts, requestTimeoutMs: opts.deadlineMs ?? 20_000, log });
  } catch (e) {
    return `could not listen on ${opts.bindHost ?? '127.0.0.1'} for the fake server (${(e as Error).message}); pass --federation-bind with an address of this machine`;
  }
}

type SendOutcome = { kind: 'answer'; res: FederationResponse } | { kind: 'failed'; error: Error };

function unreachableReason(fake: FakeHomeserver, error: Error): string {
  return `PUT /_matrix/federation/v1/send to the target ${fake.target.serverName} at ${fake.target.baseUrl} failed (${error.message}); if its federation API is elsewhere, ${FIX_TARGET_URL}`;
}

function noKeyFetchReason(fake: FakeHomeserver, what: string, tlsErrors: number): string {
  const tls = tlsErrors > 0 ? ` The target connected but the TLS handshake failed ${tlsErrors} time(s): it may verify certificates (the fake's is self-signed).` : '';
  return (
    `the target ${fake.target.serverName} (${fake.target.baseUrl}) ${what} without fetching /_matrix/key/v2/server from the fake server ` +
    `${fake.serverName} (listening on ${fake.bindHost}:${fake.port}), so it cannot reach that address, or refuses it (e.g. Synapse's ` +
    `ip_range_blacklist for private and loopback addresses).${tls} To make the fake reachable, ${FIX_LISTENER}.`
  );
}

/** Runs the probe; the fake it starts is always stopped. */
export async function probeFederation(opts: ProbeOptions): Promise<ProbeResult> {
  const deadlineMs = opts.deadlineMs ?? 20_000;
  const lines: string[] = [];
  const started = performance.now();
  const fake = await startFake(opts, lines);
  if (typeof fake === 'string') return { ok: false, reason: fake };
  try {
    const keyFetch = fake.waitForRequest((r) => r.method === 'GET' && r.path.startsWith('/_matrix/key/v2/server'), { timeoutMs: deadlineMs });
    keyFetch.catch(() => {});
    const send: Promise<SendOutcome> = fake.sendTransaction({}).then(
      (res) => ({ kind: 'answer', res }),
      (error: Error) => ({ kind: 'failed', error }),
    );
    const first = await Promise.race([keyFetch.then(() => 'keys' as const, () => 'timeout' as const), send]);
    const ok = (): ProbeResult => ({ ok: true, serverName: fake.serverName, ms: Math.round(performance.now() - started) });
    if (first === 'keys') return ok();
    const tlsErrors = lines.filter((l) => l.startsWith('TLS client error')).length;
    if (first === 'timeout') return { ok: false, reason: noKeyFetchReason(fake, `did not answer within ${deadlineMs} ms`, tlsErrors) };
    if (first.kind === 'failed') return { ok: false, reason: unreachableReason(fake, first.error) };
    // The target answered; a key fetch it made is already recorded (it answers only after fetching), so a
    // 200 without one can only mean it did not check our signature: wait for the key request regardless.
    if (first.res.status === 200) return (await keyFetch.then(() => true, () => false)) ? ok() : { ok: false, reason: noKeyFetchReason(fake, 'accepted the transaction', tlsErrors) };
    return { ok: false, reason: noKeyFetchReason(fake, `answered ${describeAnswer(first.res)}`, tlsErrors) };
  } finally {
    await fake.stop();
  }
}
