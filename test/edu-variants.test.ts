import { describe, it, expect } from 'vitest';
import { baselineEdu, eduVariants, FAMILIES } from '../src/runner/steps/edu-variants.ts';
import { MAX_GENERATED } from '../src/runner/steps/inject-generated-edus.ts';
import { validator } from '../src/scenario/schema.ts';

const names = { room: '!r:hs', user: '@mal:remote', event: '$e1', otherEvent: '$e2', ts: 1_700_000_000_000 };

describe('malformed m.receipt EDUs derived from the EDU schema', () => {
  const variants = eduVariants(names);

  // The list the generated scenarios send, in order: reviewing a change to it is reviewing a change
  // to what those scenarios test.
  it('is this list, in this order', () => {
    expect(variants.map((v) => `${v.family} | ${v.valid ? 'valid' : 'malformed'} | ${v.id}`)).toMatchInlineSnapshot(`
      [
        "envelope | malformed | edu_type missing",
        "envelope | malformed | content missing",
        "envelope | malformed | edu_type as a number",
        "envelope | malformed | content as a string",
        "envelope | malformed | content as an array",
        "mistyped | malformed | content.<room> as a string",
        "mistyped | malformed | content.<room> as an array",
        "missing | malformed | content.<room>.m.read missing",
        "mistyped | malformed | content.<room>.m.read as a string",
        "mistyped | malformed | content.<room>.m.read as an array",
        "mistyped | malformed | content.<room>.m.read.<user> as a string",
        "mistyped | malformed | content.<room>.m.read.<user> as an array",
        "missing | malformed | content.<room>.m.read.<user>.event_ids missing",
        "missing | malformed | content.<room>.m.read.<user>.data missing",
        "mistyped | malformed | content.<room>.m.read.<user>.event_ids as a bare string",
        "mistyped | malformed | content.<room>.m.read.<user>.event_ids as an object",
        "missing | malformed | content.<room>.m.read.<user>.event_ids with no items",
        "extra | malformed | content.<room>.m.read.<user>.event_ids with 2 items",
        "mistyped | malformed | content.<room>.m.read.<user>.event_ids.0 as a number",
        "mistyped | malformed | content.<room>.m.read.<user>.event_ids.0 as null",
        "mistyped | malformed | content.<room>.m.read.<user>.data as a string",
        "mistyped | malformed | content.<room>.m.read.<user>.data as an array",
        "missing | malformed | content.<room>.m.read.<user>.data.ts missing",
        "mistyped | malformed | content.<room>.m.read.<user>.data.ts as a numeric string",
        "mistyped | malformed | content.<room>.m.read.<user>.data.ts as null",
        "mistyped | malformed | content.<room>.m.read.<user>.data.thread_id as a number",
        "mistyped | malformed | content.<room>.m.read.<user>.data.thread_id as null",
        "extra | valid | content.<room>.m.read.<user>.data.org.example.extra as an extra key",
        "extra | valid | content.<room>.m.read.<user>.org.example.extra as an extra key",
        "extra | malformed | content.<room>.m.read.not-a-user-id as the only key, one the schema refuses",
        "extra | malformed | content.<room>.org.example.unknown as the only key, one the schema refuses",
        "extra | malformed | content.not-a-room-id as the only key, one the schema refuses",
        "envelope | valid | org.example.extra as an extra key",
      ]
    `);
  });

  it('is the same on every call', () => {
    expect(eduVariants(names)).toEqual(variants);
  });

  it('starts from a valid EDU, and every variant the schema refuses really is malformed', () => {
    const validate = validator('m.receipt-edu');
    expect(validate(baselineEdu(names))).toBe(true);
    for (const v of variants) expect(validate(v.edu), v.id).toBe(v.valid);
    expect(variants.filter((v) => v.valid).map((v) => v.id)).toEqual([
      'content.<room>.m.read.<user>.data.org.example.extra as an extra key',
      'content.<room>.m.read.<user>.org.example.extra as an extra key',
      'org.example.extra as an extra key',
    ]);
  });

  it('keeps every family within the transaction bound, with unique ids', () => {
    for (const f of FAMILIES) {
      const n = variants.filter((v) => v.family === f).length;
      expect(n, f).toBeGreaterThan(0);
      expect(n, f).toBeLessThanOrEqual(MAX_GENERATED);
    }
    expect(new Set(variants.map((v) => v.id)).size).toBe(variants.length);
  });

  it('changes only what the id says', () => {
    const ts = variants.find((v) => v.id === 'content.<room>.m.read.<user>.data.ts as a numeric string')!;
    expect(ts.edu).toEqual({ edu_type: 'm.receipt', content: { '!r:hs': { 'm.read': { '@mal:remote': { event_ids: ['$e1'], data: { ts: '1700000000000' } } } } } });
    const noUser = variants.find((v) => v.id.startsWith('content.<room>.m.read.not-a-user-id'))!;
    expect(noUser.edu).toEqual({ edu_type: 'm.receipt', content: { '!r:hs': { 'm.read': { 'not-a-user-id': { event_ids: ['$e1'], data: { ts: names.ts } } } } } });
    const missing = variants.find((v) => v.id === 'content.<room>.m.read.<user>.data missing')!;
    expect(missing.edu).toEqual({ edu_type: 'm.receipt', content: { '!r:hs': { 'm.read': { '@mal:remote': { event_ids: ['$e1'] } } } } });
  });
});
