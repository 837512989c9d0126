// The suite's application-service registration (Application Service API, "Registration"), made
// fresh for every target run. It asks for exactly what observing receipts needs and nothing more:
// an exclusive users namespace for the suite's AS users, no rooms or aliases (the AS learns about
// a room only through a namespaced user joined to it), and `receive_ephemeral` (spec v1.13).
//
// MSC2409's unstable flag `de.sorunome.msc2409.push_ephemeral` is left out on purpose: Synapse
// reads the stable key since 1.156 (and with both keys sends every ephemeral list twice, under
// both body keys); Dendrite 0.13.8 reads neither. A server that only knows the unstable flag does
// not implement the v1.13 registration key, and the scenarios say so.
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';

export const AS_ID = 'receipts-conformance';
/** Localparts of the AS's users start with this; `_` after the sigil, as the spec recommends for exclusive namespaces. */
export const AS_USER_PREFIX = '_rcas_';
/** The AS's own user; outside the users namespace, so that "users matching a namespace" means only the scenario's AS users. */
export const AS_SENDER_LOCALPART = 'rc_appservice';

export interface Registration {
  id: string;
  url: string;
  asToken: string;
  hsToken: string;
  senderLocalpart: string;
  userPrefix: string;
}

export function newRegistration(url: string): Registration {
  return {
    id: AS_ID,
    url,
    asToken: randomBytes(24).toString('hex'),
    hsToken: randomBytes(24).toString('hex'),
    senderLocalpart: AS_SENDER_LOCALPART,
    userPrefix: AS_USER_PREFIX,
  };
}

/** The registration file, in the spec's format (both Synapse and Dendrite read it as is). */
export function renderRegistration(r: Registration): string {
  const doc = {
    id: r.id,
    url: r.url,
    as_token: r.asToken,
    hs_token: r.hsToken,
    sender_localpart: r.senderLocalpart,
    namespaces: {
      users: [{ exclusive: true, regex: `@${r.userPrefix}.*` }],
      rooms: [],
      aliases: [],
    },
    receive_ephemeral: true,
  };
  return `# The suite's application service, written per run by src/appservice/registration.ts.\n${stringify(doc)}`;
}
