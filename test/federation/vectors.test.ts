// Test vectors for hashing, redaction, signing, event IDs and v12 room IDs, by room version.
//
// "spec" vectors are the ones the Matrix spec publishes (Appendices → Cryptographic Test Vectors → Event
// Signing). They predate v11 and use the v1–v10 redaction rules. The "derived" vectors were computed for the
// project's research notes (room-versions.md §7) with Node's crypto and independently with gomatrixserverlib;
// they pin our v11/v12 behaviour against regressions but are not spec text.
import { describe, it, expect } from 'vitest';
import { computeContentHash, computeEventId, finaliseEvent, roomIdFromCreateEvent, roomIdFromCreateEventId, signEvent, verifyEventSignature } from '../../src/federation/events.ts';
import { signingKeyFromSeed } from '../../src/federation/keys.ts';

const KEY = signingKeyFromSeed('YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1', 'ed25519:1');
const SIGNER = { serverName: 'domain', key: KEY };

/** Hash then sign, the spec's order; returns the signature of `domain`. */
function sign(event: Record<string, unknown>, roomVersion: string): { hash: string; sig: string; signed: Record<string, unknown> } {
  const hash = computeContentHash(event);
  const signed = signEvent({ ...event, hashes: { sha256: hash } }, roomVersion, 'domain', 'ed25519:1', KEY);
  return { hash, sig: signed.signatures.domain!['ed25519:1']!, signed };
}

describe('spec vector: minimal event', () => {
  const minimal = {
    room_id: '!x:domain', sender: '@a:domain', origin: 'domain', origin_server_ts: 1000000, signatures: {}, hashes: {},
    type: 'X', content: {}, prev_events: [], auth_events: [], depth: 3, unsigned: { age_ts: 1000000 },
  };
  const SPEC_SIG = 'KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg';
  const V11_SIG = 'Jxp+1glFcZM+nnHpY0EkedRR7u0VmKsJYGnQqIvqus3UvL5X/p1y6wSkLhGoTBel6MZ9lrMIzUqrjqFquWJKBw';

  it.each(['1', '6', '7', '8', '9', '10'])('v%s: the spec hash and signature', (v) => {
    const { hash, sig, signed } = sign(minimal, v);
    expect(hash).toBe('5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos');
    expect(sig).toBe(SPEC_SIG);
    expect(verifyEventSignature(signed, v, 'domain', 'ed25519:1', KEY.publicKey)).toBe(true);
  });

  it.each(['11', '12'])('v%s (derived): origin is no longer signed, so the signature differs', (v) => {
    const { hash, sig, signed } = sign(minimal, v);
    expect(hash).toBe('5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos');
    expect(sig).toBe(V11_SIG);
    expect(verifyEventSignature(signed, v, 'domain', 'ed25519:1', KEY.publicKey)).toBe(true);
    // Checked with the wrong version's rules the signature fails: the classic v10/v11 mix-up.
    expect(verifyEventSignature(signed, '10', 'domain', 'ed25519:1', KEY.publicKey)).toBe(false);
  });

  it('event IDs (derived): one for v4–v10, another from v11 on', () => {
    const { signed } = sign(minimal, '10');
    for (const v of ['4', '6', '9', '10']) expect(computeEventId(signed, v)).toBe('$8yif6p8EqgoSten2BLje9ntKm720NyFLWQv9tn8memc');
    for (const v of ['11', '12']) expect(computeEventId(signed, v)).toBe('$70O_oKlXzFbkfu0KE88USi98DjSWrOELrPj-8tisl8I');
  });
});

describe('spec vector: event with redactable content', () => {
  const message = {
    content: { body: 'Here is the message content' }, event_id: '$0:domain', origin: 'domain', origin_server_ts: 1000000,
    type: 'm.room.message', room_id: '!r:domain', sender: '@u:domain', signatures: {}, unsigned: { age_ts: 1000000 },
  };

  it('v1: the spec hash and signature, and the signature survives redacting the content', () => {
    const { hash, sig, signed } = sign(message, '1');
    expect(hash).toBe('onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g');
    expect(sig).toBe('Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA');
    expect(verifyEventSignature({ ...signed, content: {} }, '1', 'domain', 'ed25519:1', KEY.publicKey)).toBe(true);
  });

  it('v11 (derived): a different signature', () => {
    expect(sign(message, '11').sig).toBe('4WQB/6LN2OtkUN/+18xUNB/U4RTX1N3EeKBdlCxux08YO8izKDrSRqML1XB8V97IK7AujkNO1xMl7TaBLA4kDw');
  });
});

describe('v12 room IDs (derived)', () => {
  const create = {
    type: 'm.room.create', state_key: '', sender: '@creator:domain', content: { room_version: '12' },
    origin_server_ts: 1000000, depth: 1, prev_events: [], auth_events: [],
  };
  const ROOM_ID = '!l4V8NZJAMBI22DF6KSArYZqJ0sA4LvRtld5VjUlfU3k';

  it('a create event without room_id hashes, signs and names its room', () => {
    const { hash, sig, signed } = sign(create, '12');
    expect(hash).toBe('TtJGr9U58Y9F3xH63WYJHBD1y6V2hM9i3EIaIzyqTA4');
    expect(sig).toBe('56p0xWGg7KPCFt3qQU/H9NgYIY763ZZhUmtbmWCvOF8ycj6Ix6uDpgKr5WcR4OgVKaTRTZnRS2aZ9aVikj5iDQ');
    expect(computeEventId(signed, '12')).toBe('$l4V8NZJAMBI22DF6KSArYZqJ0sA4LvRtld5VjUlfU3k');
    expect(roomIdFromCreateEvent(signed, '12')).toBe(ROOM_ID);
  });

  it('finaliseEvent gives the same room', () => {
    const { event } = finaliseEvent({ ...create }, '12', SIGNER);
    expect(roomIdFromCreateEvent(event, '12')).toBe(ROOM_ID);
    expect(event).not.toHaveProperty('room_id');
  });

  it('every create content key feeds the room ID in v12 (entropy makes rooms distinct)', () => {
    const a = finaliseEvent({ ...create, content: { room_version: '12', entropy: 'a' } }, '12', SIGNER).event;
    const b = finaliseEvent({ ...create, content: { room_version: '12', entropy: 'b' } }, '12', SIGNER).event;
    expect(roomIdFromCreateEvent(a, '12')).not.toBe(roomIdFromCreateEvent(b, '12'));
  });

  it('the sigil swap of MSC4291, and no derivation outside v12', () => {
    expect(roomIdFromCreateEventId('$31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM')).toBe('!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM');
    // The spec's example v12 room ID (pdu_v12.json) has the same shape.
    expect('!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ').toMatch(/^![A-Za-z0-9_-]{43}$/);
    expect(() => roomIdFromCreateEventId('$0:domain')).toThrow(/not a v4\+ event ID/);
    expect(() => roomIdFromCreateEvent(create, '11')).toThrow(/not derived/);
  });
});

describe('one join event across versions (derived)', () => {
  const join = (roomId: string) => ({
    type: 'm.room.member', state_key: '@a:domain', sender: '@a:domain', room_id: roomId, origin: 'domain', origin_server_ts: 1000000,
    depth: 4, prev_events: ['$p'], auth_events: ['$pl', '$jr'],
    content: { membership: 'join', displayname: 'A', join_authorised_via_users_server: '@r:resident' },
  });
  const V6 = { hash: 'b08t8IaMEsDR0xXTyj8VqaN9R/jb/X5Qkywo+PDPFas', sig: 'bsAu9xpGWoHBTslPjRzPOU9VxuX1mIwEdUinP/Onaej5WbexfDngn0x+N5i7mDivYDj1jabMG78+nxF4OPf7Dw', id: '$n1NguuF8p12n8XS1ZCGvXKqkwdb4u-74woNZo2WOpcI' };
  const V9 = { hash: V6.hash, sig: '1hQWYR7k0tk7j0jIyV03w/+gYkVgXm6lkEv6HfEiJWxp+vkrg6vOvSN2ddXHWXhAFUdXhaqVafPFlzfMpO0gDA', id: '$QqXu4ZW2rFGrz7TOM7x6Ph66KwQBpPVGFANYgcwDzyM' };
  const V11 = { hash: V6.hash, sig: 'T1uFuiBJ9ZkqqSkXIrpHB12rfU6cKuIadgq0kquIveT/kbhrkRLInwpP9h51KDGbBCOoQGn0ttn0KtP68cfsCg', id: '$vRrUynssYz8yYbiYr0nRysvVfMMFendaHBGpooUmayw' };
  const V12 = { hash: 'Ur/8DekdtNyd6mFontpNJgzBSLIslyaboIm5xVVJ3DY', sig: 'RNHLQB88SNDt4iD2vwBa/Y/Qp2tLIaoOPUPhzEPLB8izqCJyWjnleqz5OQx4VmGwliQWYcP7Mld6RZrxP7JvCw', id: '$SPih8T_SVl5WPiir82bnAaFViVqeZ7bFjOpUNYdQ-mM' };
  const table: [string, string, typeof V6][] = [
    ['6', '!x:domain', V6], ['7', '!x:domain', V6], ['8', '!x:domain', V6],
    ['9', '!x:domain', V9], ['10', '!x:domain', V9], ['11', '!x:domain', V11],
    ['12', '!l4V8NZJAMBI22DF6KSArYZqJ0sA4LvRtld5VjUlfU3k', V12],
  ];

  it.each(table)('v%s', (v, roomId, want) => {
    const { hash, sig, signed } = sign(join(roomId), v);
    expect({ hash, sig, id: computeEventId(signed, v) }).toEqual(want);
    const built = finaliseEvent(join(roomId), v, SIGNER);
    expect(built.eventId).toBe(want.id);
  });
});
