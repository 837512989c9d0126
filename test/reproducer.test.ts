// Reproducers: the curl commands are run by a real POSIX shell (/bin/sh) with a stand-in curl that
// records the exact bytes of every argument, so quoting is judged by what sh hands to curl.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curlCommand, reproducerScript, shQuote, stripTokenParam, tokenVar, transcript, type ReproRequest } from '../src/report-tools/reproducer.ts';

const dir = mkdtempSync(join(tmpdir(), 'rc-repro-'));
const stub = join(dir, 'curl');
// Each call appends its arguments, NUL-separated, and what it read on stdin for --data-binary @-.
writeFileSync(
  stub,
  `#!/bin/sh
n=$(ls "$OUT" 2>/dev/null | wc -l)
for a in "$@"; do printf '%s\\0' "$a"; done > "$OUT/$n.args"
case " $* " in *" @- "*) cat > "$OUT/$n.stdin" ;; esac
`,
);
chmodSync(stub, 0o755);

interface Call {
  args: string[];
  stdin?: Buffer;
}

function sh(script: string, env: Record<string, string> = {}): { code: number; stderr: string; calls: Call[] } {
  const out = mkdtempSync(join(dir, 'out-'));
  const r = spawnSync('/bin/sh', ['-c', script], { env: { PATH: `${dir}:/usr/bin:/bin`, OUT: out, ...env }, encoding: 'utf8', timeout: 10_000 });
  const calls: Call[] = [];
  for (let i = 0; ; i++) {
    let args: string;
    try {
      args = readFileSync(join(out, `${i}.args`), 'utf8');
    } catch {
      break;
    }
    let stdin: Buffer | undefined;
    try {
      stdin = readFileSync(join(out, `${i}.stdin`));
    } catch {
      stdin = undefined;
    }
    calls.push({ args: args.split('\0').slice(0, -1), stdin });
  }
  return { code: r.status ?? -1, stderr: r.stderr, calls };
}

const ENV = { HS: 'https://hs.example', TOKEN_ALICE: 'tok-alice' };

/** What curl received as the request body. */
function sentBody(c: Call): string {
  const v = c.args[c.args.indexOf('--data-binary') + 1]!;
  return v === '@-' ? c.stdin!.toString('utf8') : v;
}

const AWKWARD: [string, unknown][] = [
  ['quotes', { text: `it's "quoted" and 'single'`, "key'with": 'x' }],
  ['newlines in a JSON string', { body: 'line1\nline2\r\n\ttab' }],
  ['unicode', { emoji: '😀 ünïcödé 中文 \u2028 \u200b', 'm.relates_to': { rel_type: 'm.thread' } }],
  ['$ and backticks', { cmd: '$(rm -rf /) `id` ${HOME} $HS $TOKEN_ALICE \\$x' }],
  ['a raw body with real newlines and quotes', `{"broken": 'json\n  "$(echo pwned)"\n`],
  ['a raw body that is not JSON at all', 'not json `whoami` $HOME \\ \\\\ %s %n'],
  ['a raw body with a NUL byte', 'a\u0000b%s\\n\u0000'],
  ['an empty raw body', ''],
];

describe('curl commands under /bin/sh', () => {
  it.each(AWKWARD)('%s reach curl byte for byte', (_name, body) => {
    const r: ReproRequest = { method: 'post', path: '/_matrix/client/v3/rooms/!r:hs/receipt/m.read/$e', body, actor: 'alice' };
    const run = sh(curlCommand(r), ENV);
    expect(run.stderr).toBe('');
    expect(run.calls).toHaveLength(1);
    const expected = typeof body === 'string' ? body : JSON.stringify(body);
    expect(sentBody(run.calls[0]!)).toBe(expected);
    expect(run.calls[0]!.args).toContain('Authorization: Bearer tok-alice');
    expect(run.calls[0]!.args).toContain('Content-Type: application/json');
    expect(run.calls[0]!.args.slice(0, 4)).toEqual(['-sS', '-X', 'POST', 'https://hs.example/_matrix/client/v3/rooms/!r:hs/receipt/m.read/$e']);
  });

  it("keeps a path's $, quotes and spaces literal and drops access_token", () => {
    const r: ReproRequest = { method: 'GET', path: "/_matrix/client/v3/rooms/!a'b:hs/event/$ev`x`?access_token=syt_real&filter=%7B%7D&x=$HOME" };
    const cmd = curlCommand(r);
    expect(cmd).not.toContain('syt_real');
    const run = sh(cmd, ENV);
    expect(run.calls[0]!.args).toEqual(['-sS', '-X', 'GET', "https://hs.example/_matrix/client/v3/rooms/!a'b:hs/event/$ev`x`?filter=%7B%7D&x=$HOME"]);
  });

  it('sends no Authorization header for a request without an actor', () => {
    const run = sh(curlCommand({ method: 'GET', path: '/_matrix/client/versions' }), ENV);
    expect(run.calls[0]!.args.join(' ')).not.toContain('Authorization');
  });

  it('blanks secrets passed in, in the path and the body', () => {
    const cmd = curlCommand({ method: 'POST', path: '/x/sekrit', body: { token: 'sekrit', nested: ['a sekrit b'] }, actor: 'bob' }, { secrets: ['sekrit'] });
    expect(cmd).not.toContain('sekrit');
    expect(cmd).toContain('<redacted>');
  });
});

describe('tokenVar and shQuote', () => {
  it('names token variables sh can use', () => {
    expect(tokenVar('alice')).toBe('TOKEN_ALICE');
    expect(tokenVar('remote-bob')).toBe('TOKEN_REMOTE_BOB');
    expect(tokenVar('zoë 2')).toBe('TOKEN_ZOE_2');
    expect(tokenVar('$(x)')).toBe('TOKEN_X');
    expect(tokenVar('😀')).toBe('TOKEN_USER');
  });

  it('quotes the empty string and lone quotes', () => {
    expect(shQuote('')).toBe("''");
    expect(shQuote("'")).toBe(`''\\'''`);
    const run = sh(`curl ${shQuote("'")} ${shQuote('')} ${shQuote("a''b")}`);
    expect(run.calls[0]!.args).toEqual(["'", '', "a''b"]);
  });

  it('strips access_token wherever it stands in the query', () => {
    expect(stripTokenParam('/p?access_token=t')).toBe('/p');
    expect(stripTokenParam('/p?a=1&access_token=t&b=2')).toBe('/p?a=1&b=2');
    expect(stripTokenParam('/p?ACCESS_TOKEN=t&since=s')).toBe('/p?since=s');
    expect(stripTokenParam('/p')).toBe('/p');
  });
});

describe('reproducer script', () => {
  const records: ReproRequest[] = [
    { method: 'POST', path: '/_matrix/client/v3/rooms/!r:hs/send/m.room.message/t1', body: { msgtype: 'm.text', body: "don't `panic` $1" }, actor: 'alice', status: 200, response: { event_id: '$e1' } },
    { method: 'POST', path: '/_matrix/client/v3/rooms/!r:hs/receipt/m.read/$e1', body: {}, actor: 'bob', status: 200, response: {} },
    { method: 'GET', path: '/_matrix/client/v3/sync?timeout=0&access_token=syt_bob', actor: 'bob', status: 200, response: { next_batch: 's1' } },
  ];

  it('replays every request in order with each actor token', () => {
    const script = reproducerScript(records);
    expect(script).not.toContain('syt_bob');
    const run = sh(script, { ...ENV, TOKEN_BOB: 'tok-bob' });
    expect(run.code).toBe(0);
    expect(run.calls.map((c) => c.args[3])).toEqual([
      'https://hs.example/_matrix/client/v3/rooms/!r:hs/send/m.room.message/t1',
      'https://hs.example/_matrix/client/v3/rooms/!r:hs/receipt/m.read/$e1',
      'https://hs.example/_matrix/client/v3/sync?timeout=0',
    ]);
    expect(run.calls.map((c) => c.args[c.args.indexOf('-H') + 1])).toEqual(['Authorization: Bearer tok-alice', 'Authorization: Bearer tok-bob', 'Authorization: Bearer tok-bob']);
    expect(sentBody(run.calls[0]!)).toBe(JSON.stringify(records[0]!.body));
  });

  it('stops before any request when HS or a token is missing, naming it', () => {
    const noToken = sh(reproducerScript(records), ENV);
    expect(noToken.code).not.toBe(0);
    expect(noToken.calls).toEqual([]);
    expect(noToken.stderr).toContain('TOKEN_BOB');
    const noHs = sh(reproducerScript(records), { TOKEN_ALICE: 'a', TOKEN_BOB: 'b' });
    expect(noHs.calls).toEqual([]);
    expect(noHs.stderr).toContain('HS');
  });
});

describe('transcript', () => {
  it('shows request line, actor, body, status and response, bodies cut short', () => {
    const text = transcript(
      [
        { method: 'post', path: '/r/receipt?access_token=syt_x', body: { thread_id: 'main' }, actor: 'alice', status: 400, response: { errcode: 'M_BAD_JSON', error: 'x'.repeat(50) } },
        { method: 'GET', path: '/versions' },
      ],
      { maxBodyChars: 40 },
    );
    expect(text).toBe(
      [
        '> POST /r/receipt  (as alice)',
        '    {"thread_id":"main"}',
        '< 400',
        `    {"errcode":"M_BAD_JSON","error":"xxxxxxx… (${JSON.stringify({ errcode: 'M_BAD_JSON', error: 'x'.repeat(50) }).length - 40} more characters)`,
        '',
        '> GET /versions',
        '< no response',
        '',
      ].join('\n'),
    );
  });

  it('blanks secrets in responses', () => {
    expect(transcript([{ method: 'GET', path: '/x', status: 200, response: 'token sekrit here' }], { secrets: ['sekrit'] })).toContain('token <redacted> here');
  });
});
