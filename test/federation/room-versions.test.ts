import { describe, it, expect } from 'vitest';
import { buildPdu, redactEvent } from '../../src/federation/events.ts';
import { signingKeyFromSeed } from '../../src/federation/keys.ts';
import { parsePowerLevel, requiredPowerLevel, roomCreators, userPowerLevel } from '../../src/federation/power-levels.ts';
import { newRoom, selectAuthEvents, stateKeyOf } from '../../src/federation/room-state.ts';
import { isSupportedRoomVersion, roomVersionRules } from '../../src/federation/room-versions.ts';

describe('room version rules', () => {
  it('name the switches of each version', () => {
    const pick = (v: string) => {
      const r = roomVersionRules(v);
      return [r.redaction, r.stringPowerLevels, r.redactsInContent, r.createNeedsCreator, r.roomIdFromCreateEvent, r.createEventInAuthEvents, r.creatorsHaveInfinitePower];
    };
    expect(pick('6')).toEqual(['v6', true, false, true, false, true, false]);
    expect(pick('7')).toEqual(['v6', true, false, true, false, true, false]);
    expect(pick('8')).toEqual(['v8', true, false, true, false, true, false]);
    expect(pick('9')).toEqual(['v9', true, false, true, false, true, false]);
    expect(pick('10')).toEqual(['v9', false, false, true, false, true, false]);
    expect(pick('11')).toEqual(['v11', false, true, false, false, true, false]);
    expect(pick('12')).toEqual(['v11', false, true, false, true, false, true]);
    expect(roomVersionRules('3').eventIds).toBe('hash-base64');
    expect(roomVersionRules('4').eventIds).toBe('hash-base64url');
  });

  it('support 6–12 only; unstable and unknown versions are refused', () => {
    expect(['5', '6', '12', '13', 'org.matrix.msc3757.11'].map(isSupportedRoomVersion)).toEqual([false, true, true, false, false]);
    expect(() => roomVersionRules('org.matrix.hydra.11')).toThrow(/unknown room version/);
  });
});

describe('redaction by version', () => {
  const base = { room_id: '!r:hs', sender: '@a:hs', origin: 'hs', origin_server_ts: 1, depth: 1, prev_events: [], auth_events: [], hashes: { sha256: 'x' }, signatures: {} };
  const member = { ...base, type: 'm.room.member', state_key: '@a:hs', content: { membership: 'join', join_authorised_via_users_server: '@b:hs', displayname: 'A' } };
  const joinRules = { ...base, type: 'm.room.join_rules', state_key: '', content: { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: '!s:hs' }] } };
  const aliases = { ...base, type: 'm.room.aliases', state_key: 'hs', content: { aliases: ['#a:hs'] } };

  it('v6 and v7 drop join_rules.allow, v8 keeps it', () => {
    expect(redactEvent(joinRules, '6').content).toEqual({ join_rule: 'restricted' });
    expect(redactEvent(joinRules, '7').content).toEqual({ join_rule: 'restricted' });
    expect(redactEvent(joinRules, '8').content).toEqual({ join_rule: 'restricted', allow: joinRules.content.allow });
  });

  it('join_authorised_via_users_server is protected from v9 on', () => {
    expect(redactEvent(member, '8').content).toEqual({ membership: 'join' });
    expect(redactEvent(member, '9').content).toEqual({ membership: 'join', join_authorised_via_users_server: '@b:hs' });
    expect(redactEvent(member, '12').content).toEqual({ membership: 'join', join_authorised_via_users_server: '@b:hs' });
  });

  it('m.room.aliases content is protected before v6 only', () => {
    expect(redactEvent(aliases, '5').content).toEqual({ aliases: ['#a:hs'] });
    expect(redactEvent(aliases, '6').content).toEqual({});
  });

  it('v12 redacts like v11 and keeps a create event without room_id as it is', () => {
    const create = { ...base, type: 'm.room.create', state_key: '', content: { room_version: '12', additional_creators: ['@c:hs'] } };
    delete (create as { room_id?: string }).room_id;
    expect(redactEvent(create, '12')).toEqual(redactEvent(create, '11'));
    expect(redactEvent(create, '12')).not.toHaveProperty('room_id');
    expect(redactEvent(create, '12').content).toEqual(create.content);
  });
});

describe('power levels by version', () => {
  it('strings holding integers count in v6–v9 only', () => {
    for (const [value, v6] of [['100', 100], [' +050 ', 50], ['-7', -7], ['1.5', undefined], ['1e3', undefined], ['', undefined], ['0x10', undefined]] as const) {
      expect(parsePowerLevel(value, '6')).toBe(v6);
      expect(parsePowerLevel(value, '9')).toBe(v6);
      expect(parsePowerLevel(value, '10')).toBeUndefined();
    }
    expect(parsePowerLevel(50, '10')).toBe(50);
    expect(parsePowerLevel(1.5, '6')).toBeUndefined();
  });

  it('reads users, users_default and the event thresholds', () => {
    const room = { roomVersion: '9', createEvent: { sender: '@c:hs', content: { creator: '@c:hs' } }, powerLevels: { users: { '@a:hs': '75' }, users_default: '5', events: { 'm.room.name': '60' }, state_default: 40 } };
    expect(userPowerLevel(room, '@a:hs')).toBe(75);
    expect(userPowerLevel(room, '@b:hs')).toBe(5);
    expect(userPowerLevel({ ...room, roomVersion: '10' }, '@a:hs')).toBe(0); // a string is no level in v10
    expect(requiredPowerLevel(room, 'm.room.name', true)).toBe(60);
    expect(requiredPowerLevel(room, 'm.room.topic', true)).toBe(40);
    expect(requiredPowerLevel(room, 'm.room.message', false)).toBe(0);
  });

  it('without power levels the creator has 100 (from content.creator up to v10, the sender in v11)', () => {
    expect(userPowerLevel({ roomVersion: '10', createEvent: { sender: '@s:hs', content: { creator: '@c:hs' } } }, '@c:hs')).toBe(100);
    expect(userPowerLevel({ roomVersion: '11', createEvent: { sender: '@s:hs', content: {} } }, '@s:hs')).toBe(100);
    expect(userPowerLevel({ roomVersion: '11', createEvent: { sender: '@s:hs', content: {} } }, '@x:hs')).toBe(0);
    expect(requiredPowerLevel({ roomVersion: '11' }, 'm.room.name', true)).toBe(0);
  });

  it('v12 creators (sender and additional_creators) have infinite power whatever users says', () => {
    const createEvent = { sender: '@c:hs', content: { room_version: '12', additional_creators: ['@d:hs', 7] } };
    expect(roomCreators(createEvent)).toEqual(['@c:hs', '@d:hs']);
    const room = { roomVersion: '12', createEvent, powerLevels: { users: { '@c:hs': 1, '@e:hs': 50 } } };
    expect(userPowerLevel(room, '@c:hs')).toBe(Infinity);
    expect(userPowerLevel(room, '@d:hs')).toBe(Infinity);
    expect(userPowerLevel(room, '@e:hs')).toBe(50);
    expect(userPowerLevel({ ...room, roomVersion: '11' }, '@d:hs')).toBe(0);
  });
});

describe('auth event selection', () => {
  const key = signingKeyFromSeed(Buffer.alloc(32, 1), 'ed25519:t');
  function roomOf(version: string) {
    const room = newRoom('!r:hs', version);
    for (const [type, sk, id] of [['m.room.create', '', '$create'], ['m.room.power_levels', '', '$pl'], ['m.room.join_rules', '', '$jr'], ['m.room.member', '@a:hs', '$a'], ['m.room.member', '@r:hs', '$r']]) {
      room.state.set(stateKeyOf(type!, sk!), id!);
    }
    return room;
  }

  it('cites create, power levels and the sender up to v11; v12 never cites create', () => {
    const msg = { type: 'm.room.message', sender: '@a:hs', content: {} };
    expect(selectAuthEvents(roomOf('6'), msg)).toEqual(['$create', '$pl', '$a']);
    expect(selectAuthEvents(roomOf('11'), msg)).toEqual(['$create', '$pl', '$a']);
    expect(selectAuthEvents(roomOf('12'), msg)).toEqual(['$pl', '$a']);
  });

  it('a join adds join rules and the authorising user; no duplicates', () => {
    const join = { type: 'm.room.member', sender: '@b:hs', state_key: '@b:hs', content: { membership: 'join', join_authorised_via_users_server: '@r:hs' } };
    expect(selectAuthEvents(roomOf('10'), join)).toEqual(['$create', '$pl', '$jr', '$r']);
    expect(selectAuthEvents(roomOf('12'), join)).toEqual(['$pl', '$jr', '$r']);
    const rejoin = { type: 'm.room.member', sender: '@a:hs', state_key: '@a:hs', content: { membership: 'join' } };
    expect(selectAuthEvents(roomOf('12'), rejoin)).toEqual(['$pl', '$a', '$jr']);
  });

  it('buildPdu leaves room_id out of a v12 create event only when asked', () => {
    const opts = { roomVersion: '12', roomId: undefined, sender: '@a:hs', type: 'm.room.create', stateKey: '', content: { room_version: '12' }, prevEvents: [], authEvents: [], depth: 1 };
    expect(buildPdu(opts, { serverName: 'hs', key }).event).not.toHaveProperty('room_id');
    expect(buildPdu({ ...opts, roomId: '!r:hs', roomVersion: '11' }, { serverName: 'hs', key }).event.room_id).toBe('!r:hs');
  });
});
