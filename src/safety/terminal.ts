// Strings a server controls (error bodies, headers, event content) reach the operator's terminal.
// Control characters in them could move the cursor, rewrite earlier lines, retitle the window
// or hide text, so everything printed passes through here.

// C0 controls except \t and \n, DEL, C1 controls, and the bidirectional overrides and isolates
// that can make a line read differently from what it holds ("Trojan Source").
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** The text with every unsafe control character replaced by a visible escape such as `\x1b`. */
export function stripControls(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** True when the text holds nothing stripControls would change. */
export function isTerminalSafe(text: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return !found;
}

/**
 * A short, one-line, printable excerpt of a server-controlled string, for messages such as
 * "answered 500 <excerpt>": binary bodies and long HTML pages are not dumped whole.
 */
export function excerpt(text: string, max = 200): string {
  const oneLine = stripControls(text.replace(/\r?\n/g, ' ').replace(/\t/g, ' ')).replace(/\s{2,}/g, ' ').trim();
  if (oneLine.includes('\ufffd') && /\ufffd.*\ufffd.*\ufffd/.test(oneLine)) return `(${text.length} characters of binary data)`;
  return oneLine.length > max ? `${oneLine.slice(0, max)}… (${text.length} characters)` : oneLine;
}
