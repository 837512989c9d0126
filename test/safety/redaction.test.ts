// A planted secret must appear in no output path of the redaction layer: strings, deep values,
// the console (patched stdout/stderr, in a real child process), log streams and written files.
import { describe, it, expect, beforeEach, afterAll } from 'vitest';
import { PassThrough } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { addSecret, clearSecrets, redact, redactDeep, installOutputRedaction, redactLines, writeRedactedFile, secretCount, safeText } from '../../src/safety/redaction.ts';
import { stripControls, excerpt, isTerminalSafe } from '../../src/safety/terminal.ts';
import { projectRoot } from '../../src/scenario/schema.ts';

const TOKEN = 'plantedTok-9c1f4e7a2b';
const dir = mkdtempSync(join(tmpdir(), 'rc-redact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  clearSecrets();
  addSecret(TOKEN);
});

describe('the secret registry', () => {
  it('catches a registered value under any key and in any text', () => {
    expect(redact(`{"echo":"${TOKEN}","error":"unknown token ${TOKEN}"}`)).toBe('{"echo":"<redacted>","error":"unknown token <redacted>"}');
    expect(redactDeep({ whatever: { deep: [`x${TOKEN}y`] }, [TOKEN]: 1 })).toEqual({ whatever: { deep: ['x<redacted>y'] }, '<redacted>': 1 });
  });

  it('catches the URL-encoded and JSON-escaped forms of a secret', () => {
    const odd = 'sec/ret"with\\odd&chars';
    addSecret(odd);
    expect(redact(`?k=${encodeURIComponent(odd)}&x=1`)).toBe('?k=<redacted>&x=1');
    expect(redact(JSON.stringify({ x: odd }))).toBe('{"x":"<redacted>"}');
  });

  it('ignores empty and non-string values and counts without revealing', () => {
    const n = secretCount();
    addSecret('');
    addSecret(undefined);
    addSecret(42);
    addSecret(TOKEN);
    expect(secretCount()).toBe(n);
  });

  it('still applies the patterns and the per-call extra secrets', () => {
    expect(redact('Authorization: Bearer abc.def syt_YWxp_abc_123 ?access_token=zzz', ['extra-one'])).toBe('Authorization: Bearer <redacted> <redacted> ?access_token=<redacted>');
    expect(redact('an extra-one here', ['extra-one'])).toBe('an <redacted> here');
  });

  it('keeps the shape of a report: credential-named keys are blanked, not renamed', () => {
    expect(redactDeep({ access_token: 'x', password: null, mac: 'm', Authorization: 'Bearer q' })).toEqual({ access_token: '<redacted>', password: null, mac: '<redacted>', Authorization: '<redacted>' });
  });
});

describe('console redaction', () => {
  function fakeStream() {
    const chunks: string[] = [];
    const stream = { write: (chunk: unknown, enc?: unknown, cb?: unknown) => (chunks.push(String(chunk)), typeof enc === 'function' ? enc() : typeof cb === 'function' && cb(), true) } as unknown as NodeJS.WriteStream;
    return { stream, chunks };
  }

  it('redacts strings and buffers written to the patched streams, and escapes controls', () => {
    const { stream, chunks } = fakeStream();
    const restore = installOutputRedaction({ streams: [stream] });
    let called = 0;
    stream.write(`token ${TOKEN}\n`);
    stream.write(Buffer.from(`buffer ${TOKEN}\n`), () => called++);
    stream.write(`\x1b[2Jcleared ${TOKEN}\n`, 'utf8', () => called++);
    restore();
    stream.write(`raw ${TOKEN}`);
    expect(chunks.slice(0, 3)).toEqual(['token <redacted>\n', 'buffer <redacted>\n', '\\x1b[2Jcleared <redacted>\n']);
    expect(called).toBe(2);
    expect(chunks[3]).toBe(`raw ${TOKEN}`);
  });

  it('covers console.log, console.error and process.stdout.write in a real process', () => {
    const script = join(dir, 'child.ts');
    writeFileSync(
      script,
      `import { addSecret, installOutputRedaction } from ${JSON.stringify(join(projectRoot, 'src/safety/redaction.ts'))};
addSecret(process.env.PLANTED!);
installOutputRedaction();
console.log('log', process.env.PLANTED);
console.error('error', { echoed: process.env.PLANTED });
process.stdout.write(Buffer.from('buffer ' + process.env.PLANTED + '\\n'));
process.stderr.write('bell \\u0007 and bidi \\u202e here ' + process.env.PLANTED + '\\n');
console.log(new Error('thrown with ' + process.env.PLANTED).message);
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: projectRoot, encoding: 'utf8', env: { ...process.env, PLANTED: TOKEN }, timeout: 20_000 });
    expect(r.status).toBe(0);
    const all = r.stdout + r.stderr;
    expect(all).not.toContain(TOKEN);
    expect(r.stdout).toContain('log <redacted>');
    expect(r.stdout).toContain('buffer <redacted>');
    expect(r.stderr).toContain("echoed: '<redacted>'");
    expect(r.stderr).toContain('bell \\x07 and bidi \\u202e here <redacted>');
  });
});

describe('log files', () => {
  it('redactLines catches a token split across chunks', async () => {
    const t = redactLines();
    const out: string[] = [];
    t.on('data', (c) => out.push(String(c)));
    const src = new PassThrough();
    src.pipe(t);
    const line = `2025 INFO request with ${TOKEN} done\n`;
    const cut = line.indexOf(TOKEN) + 4;
    src.write(line.slice(0, cut));
    src.write(line.slice(cut) + 'partial tail ' + TOKEN.slice(0, 6));
    src.end(TOKEN.slice(6));
    await new Promise((r) => t.on('end', r));
    expect(out.join('')).toBe('2025 INFO request with <redacted> done\npartial tail <redacted>');
  });

  it('writeRedactedFile writes and appends redacted text', () => {
    const f = join(dir, 'log.txt');
    writeRedactedFile(f, `one ${TOKEN}\n`);
    writeRedactedFile(f, `two Bearer ${TOKEN}\n`, { append: true });
    expect(readFileSync(f, 'utf8')).toBe('one <redacted>\ntwo Bearer <redacted>\n');
  });
});

describe('terminal safety', () => {
  it('escapes C0, C1, DEL and bidi controls but keeps newlines and tabs', () => {
    expect(stripControls('a\tb\nc\rd\x1b[31me\x7f\x9b\u202eF\u2066')).toBe('a\tb\nc\\x0dd\\x1b[31me\\x7f\\x9b\\u202eF\\u2066');
    expect(isTerminalSafe('plain\ttext\n')).toBe(true);
    expect(isTerminalSafe('bell\x07')).toBe(false);
    expect(safeText(`\x1b]0;title\x07${TOKEN}`)).toBe('\\x1b]0;title\\x07<redacted>');
  });

  it('excerpt keeps one short line and does not dump binary bodies', () => {
    expect(excerpt('<html>\n<body>\n  Bad   Gateway\n</body></html>')).toBe('<html> <body> Bad Gateway </body></html>');
    expect(excerpt('x'.repeat(1000), 10)).toBe('xxxxxxxxxx… (1000 characters)');
    expect(excerpt(Buffer.from([0xff, 0xfe, 0x00, 0x9f, 0xfa, 0xfb, 0xc3]).toString('utf8'))).toBe('(7 characters of binary data)');
  });
});
