// The scenarios' side of the receiver: asks it, over loopback, for the transactions that name the
// scenario's rooms, holding the request open until one arrives or the wait's deadline passes.
import { httpRequest } from '../client/http.ts';
import { asObject } from '../runner/json.ts';
import type { AppServiceAccess, ObserveReply, ObserveRequest } from './access.ts';

/** Headroom over the long-poll for the receiver to answer. */
const ANSWER_MARGIN_MS = 10_000;

export class ObserverError extends Error {
  override name = 'ObserverError';
}

export async function observe(access: AppServiceAccess, req: ObserveRequest): Promise<ObserveReply> {
  let res;
  try {
    res = await httpRequest({
      method: 'POST',
      url: access.observerUrl,
      headers: { authorization: `Bearer ${access.observerToken}` },
      json: req,
      timeoutMs: req.timeout_ms + ANSWER_MARGIN_MS,
    });
  } catch (err) {
    throw new ObserverError(`the suite's application-service receiver did not answer: ${(err as Error).message}`);
  }
  const body = asObject(res.json);
  if (res.status !== 200 || !body || !Number.isInteger(body.next) || !Array.isArray(body.transactions)) {
    throw new ObserverError(`the suite's application-service receiver answered ${res.status} ${res.text.slice(0, 200)}`);
  }
  return body as unknown as ObserveReply;
}
