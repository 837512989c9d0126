import { describe, it, expect } from 'vitest';
import { canonicalJson, CanonicalJsonError, compareCodePoints } from '../../src/federation/canonical-json.ts';

describe('canonical JSON', () => {
  it('encodes the spec appendix examples', () => {
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson({ one: 1, two: 'Two' })).toBe('{"one":1,"two":"Two"}');
    expect(canonicalJson({ b: '2', a: '1' })).toBe('{"a":"1","b":"2"}');
    expect(
      canonicalJson({
        auth: {
          success: true,
          mxid: '@john.doe:example.com',
          profile: { display_name: 'John Doe', three_pids: [{ medium: 'email', address: 'john.doe@example.org' }, { medium: 'msisdn', address: '123456789' }] },
        },
      }),
    ).toBe(
      '{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"address":"john.doe@example.org","medium":"email"},{"address":"123456789","medium":"msisdn"}]},"success":true}}',
    );
    expect(canonicalJson({ a: '日本語' })).toBe('{"a":"日本語"}');
    expect(canonicalJson({ 本: 2, 日: 1 })).toBe('{"日":1,"本":2}');
    expect(canonicalJson({ a: '\u65E5' })).toBe('{"a":"日"}');
    expect(canonicalJson({ a: null })).toBe('{"a":null}');
    expect(canonicalJson({ a: -0 })).toBe('{"a":0}');
  });

  it('escapes only what JSON requires, with lowercase \\u escapes', () => {
    expect(canonicalJson('a"b\\c\n\t\u0001\u001f\u007f\u2028é')).toBe('"a\\"b\\\\c\\n\\t\\u0001\\u001f\u007f\u2028é"');
  });

  it('sorts keys by code point, not UTF-16 unit', () => {
    // U+1F600 (surrogates D83D DE00) sorts after U+FF5E by code point, before it by UTF-16 unit.
    const astral = '\u{1F600}';
    const bmpHigh = '\uFF5E';
    expect(compareCodePoints(astral, bmpHigh)).toBe(1);
    expect(canonicalJson({ [astral]: 1, [bmpHigh]: 2 })).toBe(`{"${bmpHigh}":2,"${astral}":1}`);
    expect(canonicalJson({ ab: 1, a: 2, B: 3 })).toBe('{"B":3,"a":2,"ab":1}');
  });

  it('skips undefined properties and has no whitespace', () => {
    expect(canonicalJson({ a: undefined, b: [1, 2, { c: true }] })).toBe('{"b":[1,2,{"c":true}]}');
  });

  it('rejects non-integers and out-of-range integers with the path', () => {
    expect(() => canonicalJson({ content: { x: 1.5 } })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson({ content: { x: 1.5 } })).toThrow(/non-integer number 1.5.*\$\.content\.x/);
    expect(() => canonicalJson([Number.NaN])).toThrow(/non-finite/);
    expect(() => canonicalJson(Infinity)).toThrow(/non-finite/);
    expect(() => canonicalJson(2 ** 53)).toThrow(/outside the canonical JSON range/);
    expect(() => canonicalJson(-(2 ** 53))).toThrow(/outside/);
    expect(canonicalJson(2 ** 53 - 1)).toBe('9007199254740991');
    expect(canonicalJson(-(2 ** 53) + 1)).toBe('-9007199254740991');
  });

  it('rejects values JSON cannot carry', () => {
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(/plain objects/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
    expect(() => canonicalJson({ n: 1n })).toThrow(/bigint/);
    expect(() => canonicalJson([undefined])).toThrow(/undefined array element/);
  });
});
