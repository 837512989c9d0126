import { describe, it, expect } from 'vitest';
import {
  buildPdu,
  checkContentHash,
  computeContentHash,
  computeEventId,
  computeReferenceHash,
  redactEvent,
  signEvent,
  verifyEventSignature,
} from '../../src/federation/events.ts';
import { generateSigningKey, signingKeyFromSeed } from '../../src/federation/keys.ts';

const SEED = 'YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1';

describe('spec "Signing Events" example', () => {
  it('produces the spec content hash and signature', () => {
    const key = signingKeyFromSeed(SEED, 'ed25519:1');
    const event: Record<string, unknown> = {
      room_id: '!x:domain',
      sender: '@a:domain',
      origin: 'domain',
      origin_server_ts: 1000000,
      signatures: {},
      hashes: {},
      type: 'X',
      content: {},
      prev_events: [],
      auth_events: [],
      depth: 3,
      unsigned: { age_ts: 1000000 },
    };
    const hash = computeContentHash(event);
    expect(hash).toBe('5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos');
    const signed = signEvent({ ...event, hashes: { sha256: hash } }, '1', 'domain', 'ed25519:1', key);
    expect(signed.signatures).toEqual({
      domain: { 'ed25519:1': 'KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg' },
    });
    expect((signed as Record<string, unknown>).unsigned).toEqual({ age_ts: 1000000 });
    expect(checkContentHash(signed)).toBe(true);
    expect(verifyEventSignature(signed, '1', 'domain', 'ed25519:1', key.publicKey)).toBe(true);
    // The v10 rules keep the same keys for this event, so the signature is the same.
    expect(signEvent({ ...event, hashes: { sha256: hash } }, '10', 'domain', 'ed25519:1', key).signatures).toEqual(signed.signatures);
  });
});

describe('redaction v10 vs v11', () => {
  const base = {
    room_id: '!r:hs',
    sender: '@a:hs',
    origin: 'hs',
    membership: 'join',
    prev_state: [],
    origin_server_ts: 1,
    depth: 1,
    prev_events: [],
    auth_events: [],
    hashes: { sha256: 'x' },
    signatures: { hs: { 'ed25519:a': 'sig' } },
    unsigned: { age: 1 },
    extra_top_level: true,
  };

  it('v10 keeps origin/membership/prev_state; v11 drops them; both drop unknown keys and unsigned', () => {
    const ev = { ...base, type: 'm.room.message', content: { body: 'hi' } };
    const r10 = redactEvent(ev, '10');
    const r11 = redactEvent(ev, '11');
    expect(r10).toEqual({
      room_id: '!r:hs', sender: '@a:hs', origin: 'hs', membership: 'join', prev_state: [], origin_server_ts: 1, depth: 1,
      prev_events: [], auth_events: [], hashes: { sha256: 'x' }, signatures: { hs: { 'ed25519:a': 'sig' } }, type: 'm.room.message', content: {},
    });
    expect(r11).toEqual({
      room_id: '!r:hs', sender: '@a:hs', origin_server_ts: 1, depth: 1, prev_events: [], auth_events: [],
      hashes: { sha256: 'x' }, signatures: { hs: { 'ed25519:a': 'sig' } }, type: 'm.room.message', content: {},
    });
  });

  it('m.room.create: v10 keeps creator only, v11 keeps all content', () => {
    const ev = { ...base, type: 'm.room.create', state_key: '', content: { creator: '@a:hs', room_version: '10', 'm.federate': true } };
    expect(redactEvent(ev, '10').content).toEqual({ creator: '@a:hs' });
    expect(redactEvent(ev, '11').content).toEqual({ creator: '@a:hs', room_version: '10', 'm.federate': true });
  });

  it('m.room.power_levels: v11 adds invite', () => {
    const content = { ban: 50, events: {}, events_default: 0, invite: 0, kick: 50, redact: 50, state_default: 50, users: {}, users_default: 0, notifications: { room: 50 } };
    const ev = { ...base, type: 'm.room.power_levels', state_key: '', content };
    const { notifications: _n, invite: _i, ...v10 } = content;
    const { notifications: _n2, ...v11 } = content;
    expect(redactEvent(ev, '10').content).toEqual(v10);
    expect(redactEvent(ev, '11').content).toEqual(v11);
  });

  it('m.room.redaction: v11 keeps content.redacts', () => {
    const ev = { ...base, type: 'm.room.redaction', redacts: '$old', content: { redacts: '$old', reason: 'r' } };
    expect(redactEvent(ev, '10').content).toEqual({});
    expect(redactEvent(ev, '11').content).toEqual({ redacts: '$old' });
    expect(redactEvent(ev, '10')).not.toHaveProperty('redacts');
  });

  it('m.room.member: join_authorised_via_users_server both, third_party_invite.signed only in v11', () => {
    const ev = {
      ...base,
      type: 'm.room.member',
      state_key: '@a:hs',
      content: { membership: 'join', displayname: 'A', join_authorised_via_users_server: '@b:hs', third_party_invite: { display_name: 'x', signed: { token: 't' } } },
    };
    expect(redactEvent(ev, '10').content).toEqual({ membership: 'join', join_authorised_via_users_server: '@b:hs' });
    expect(redactEvent(ev, '11').content).toEqual({ membership: 'join', join_authorised_via_users_server: '@b:hs', third_party_invite: { signed: { token: 't' } } });
  });

  it('join_rules keeps allow, history_visibility keeps history_visibility', () => {
    const jr = { ...base, type: 'm.room.join_rules', state_key: '', content: { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: '!s:hs' }], x: 1 } };
    expect(redactEvent(jr, '10').content).toEqual({ join_rule: 'restricted', allow: jr.content.allow });
    const hv = { ...base, type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'shared', x: 1 } };
    expect(redactEvent(hv, '11').content).toEqual({ history_visibility: 'shared' });
  });

  it('rejects unknown room versions', () => {
    expect(() => redactEvent({ type: 'm.room.message', content: {} }, '13')).toThrow(/unknown room version/);
    expect(() => redactEvent({ type: 'm.room.message', content: {} }, 'org.matrix.msc3757.11')).toThrow(/unknown room version/);
  });
});

describe('event IDs', () => {
  const signer = { serverName: '127.0.0.1:1234', key: signingKeyFromSeed(SEED, 'ed25519:1') };

  it('are $ + unpadded url-safe base64 of the reference hash (v4+), standard base64 in v3', () => {
    let sawUrlSafeChar = false;
    for (let i = 0; i < 64; i++) {
      const { event, eventId } = buildPdu(
        {
          roomVersion: '10', roomId: '!r:hs', sender: '@bob:127.0.0.1:1234', type: 'm.room.message', content: { body: `m${i}` },
          prevEvents: ['$p'], authEvents: ['$a'], depth: 5, originServerTs: 1700000000000,
        },
        signer,
      );
      const ref = computeReferenceHash(event, '10');
      expect(eventId).toBe(`$${ref.toString('base64url')}`);
      expect(eventId).toMatch(/^\$[A-Za-z0-9_-]{43}$/);
      const v3 = computeEventId(event, '3');
      expect(v3).toBe(`$${ref.toString('base64').replace(/=+$/, '')}`);
      if (/[-_]/.test(eventId)) {
        sawUrlSafeChar = true;
        expect(v3).toMatch(/[+/]/);
      }
    }
    expect(sawUrlSafeChar).toBe(true);
  });

  it('ignore signatures and unsigned, and depend on the room version rules', () => {
    const { event, eventId } = buildPdu(
      { roomVersion: '10', roomId: '!r:hs', sender: '@bob:x', type: 'm.room.message', content: { body: 'hi' }, prevEvents: [], authEvents: [], depth: 1, origin: 'x' },
      signer,
    );
    expect(computeEventId({ ...event, unsigned: { age: 3 }, signatures: {} }, '10')).toBe(eventId);
    expect(computeEventId({ ...event, content: { body: 'changed' } }, '10')).toBe(eventId); // content is redacted away
    expect(computeEventId({ ...event, origin: 'y' }, '10')).not.toBe(eventId);
    expect(computeEventId({ ...event, origin: 'y' }, '11')).toBe(computeEventId(event, '11'));
    expect(checkContentHash(event)).toBe(true);
    expect(checkContentHash({ ...event, content: { body: 'changed' } })).toBe(false);
  });

  it('buildPdu signs verifiably and puts redacts in content from v11', () => {
    const key = generateSigningKey();
    const s = { serverName: 'fake', key };
    const opts = { roomId: '!r:hs', sender: '@bob:fake', type: 'm.room.redaction', content: {}, prevEvents: [], authEvents: [], depth: 1, redacts: '$old' };
    const v10 = buildPdu({ ...opts, roomVersion: '10' }, s).event;
    const v11 = buildPdu({ ...opts, roomVersion: '11' }, s).event;
    expect(v10.redacts).toBe('$old');
    expect(v11.content).toEqual({ redacts: '$old' });
    expect(verifyEventSignature(v10, '10', 'fake', key.keyId, key.publicKey)).toBe(true);
    expect(verifyEventSignature(v11, '11', 'fake', key.keyId, key.publicKey)).toBe(true);
    expect(verifyEventSignature({ ...v11, depth: 2 }, '11', 'fake', key.keyId, key.publicKey)).toBe(false);
  });
});
