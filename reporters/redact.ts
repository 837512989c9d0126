// Reports end up in CI artefacts and step summaries that anyone with read access can open, so
// every writer passes through the suite's one redaction layer (src/safety/redaction.ts), which
// also knows every secret this process registered.
export { REDACTED, redact, redactDeep, addSecret } from '../src/safety/redaction.ts';
