// Any homeserver given by URL. The suite cannot start or stop it; it checks that it answers and
// chooses how to get users.
import { httpRequest, describeCause, TransportError } from '../client/http.ts';
import type { RegistrationConfig } from '../client/register.ts';
import { TargetError, type TargetHandle } from './target.ts';
import { fetchSoftware } from './software.ts';
import { excerpt } from '../safety/terminal.ts';

// Under the 20 s an operator is promised, with room for start-up.
const REACH_TIMEOUT_MS = 10_000;

export interface UrlOptions {
  homeserver: string;
  sharedSecret?: string;
  usersFile?: string;
}

export async function openUrlTarget(opts: UrlOptions): Promise<TargetHandle> {
  const baseUrl = opts.homeserver.replace(/\/+$/, '');
  const url = `${baseUrl}/_matrix/client/versions`;
  let res;
  try {
    res = await httpRequest({ method: 'GET', url, timeoutMs: REACH_TIMEOUT_MS });
  } catch (err) {
    const cause = err instanceof TransportError ? describeCause(err.cause) : describeCause(err);
    throw new TargetError(`cannot reach ${baseUrl}: GET ${url} failed: ${cause}`);
  }
  if (res.status !== 200 || !Array.isArray((res.json as { versions?: unknown })?.versions)) {
    throw new TargetError(`${baseUrl} does not look like a Matrix homeserver: GET ${url} answered ${res.status} ${excerpt(res.text)}`);
  }
  const registration: RegistrationConfig = opts.sharedSecret
    ? { mode: 'shared-secret', sharedSecret: opts.sharedSecret }
    : opts.usersFile
      ? { mode: 'users-file', file: opts.usersFile }
      : { mode: 'open' };
  return {
    id: new URL(baseUrl).host,
    kind: 'url',
    baseUrl,
    registration,
    software: await fetchSoftware(baseUrl),
    secrets: opts.sharedSecret ? [opts.sharedSecret] : [],
    failure: () => null,
    async stop() {},
  };
}
