// The result model shared by the runner, the vitest collector and the report writers. Defined
// once with TypeBox: the types below and fixtures/schemas/formats/compliance.schema.json (written
// by `npm run schemas`) both come from it.
import Type, { type Static } from 'typebox';
import { LEVELS, STATUSES, type Status } from './verdict.ts';

export type { Level, Status } from './verdict.ts';

const LevelT = Type.Enum(LEVELS);
const StatusT = Type.Enum(STATUSES);
const Millis = Type.Number({ minimum: 0 });
const Count = Type.Integer({ minimum: 0 });

/** One HTTP exchange, with secrets already stripped. */
export const RequestRecordT = Type.Object(
  {
    method: Type.String(),
    path: Type.String(),
    actor: Type.Optional(Type.String({ description: 'The scenario actor whose token authorised it.' })),
    body: Type.Optional(Type.Unknown()),
    status: Type.Optional(Type.Integer()),
    response: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
export type RequestRecord = Static<typeof RequestRecordT>;

/**
 * How a check bears on the scenario's verdict:
 * - assert: it stands for one of the rules the scenario cites;
 * - precondition: it stands for another rule (or none); when it does not hold, the scenario is
 *   `blocked` and stops, since what it cites could not be exercised;
 * - record: it only records what the server did (INFO, or `record: true`).
 */
const CheckRoleT = Type.Union([Type.Literal('assert'), Type.Literal('precondition'), Type.Literal('record')]);
export type CheckRole = Static<typeof CheckRoleT>;

/** The verdict of one check inside a scenario. */
export const CheckResultT = Type.Object(
  {
    where: Type.String({ description: 'Where it ran: step index and kind, line, and the list it belongs to.' }),
    check: Type.String({ description: 'The check: its kind and arguments.' }),
    rules: Type.Array(Type.String()),
    level: LevelT,
    role: CheckRoleT,
    status: StatusT,
    message: Type.Optional(Type.String()),
    expected: Type.Optional(Type.Unknown()),
    actual: Type.Optional(Type.Unknown()),
    request: Type.Optional(RequestRecordT),
  },
  { additionalProperties: false },
);
export type CheckResult = Static<typeof CheckResultT>;

export const ScenarioResultT = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    title: Type.String(),
    file: Type.String(),
    area: Type.String(),
    rules: Type.Array(Type.String()),
    level: LevelT,
    tags: Type.Array(Type.String()),
    tentative: Type.Optional(Type.String({ description: 'MSC behaviour: reported apart, never changes the exit code.' })),
    status: StatusT,
    deviation: Type.Optional(Type.Object({ status: Type.Array(StatusT, { minItems: 1 }), reason: Type.String() }, { additionalProperties: false, description: 'What the deviations file allows, and why.' })),
    unexpected: Type.Boolean({ description: "Whether status differs from what is expected (the deviation's, else the level's default)." }),
    durationMs: Millis,
    httpWaitMs: Millis,
    deadlineWaitMs: Type.Optional(Type.Number({ minimum: 0, description: 'Time spent running out wait deadlines (no evidence came first).' })),
    message: Type.String({ description: "One line: the verdict's cause." }),
    checks: Type.Array(CheckResultT),
    transcript: Type.Optional(Type.Array(RequestRecordT, { description: 'The requests of a result that is not a plain pass, redacted and cut short.' })),
    reproducer: Type.Optional(Type.String({ description: 'The transcript as a POSIX sh script of curl commands: $HS is the base URL, $TOKEN_<ACTOR> each token.' })),
    rateLimited: Type.Optional(Type.Object({ count: Count, waitedMs: Millis }, { additionalProperties: false, description: 'The 429s the scenario met, and how long it waited because the server asked.' })),
  },
  { additionalProperties: false },
);
export type ScenarioResult = Static<typeof ScenarioResultT>;

/** How a target is provided; src/cli/targets.ts maps each to its starter. */
export const TARGET_KINDS = ['synapse', 'dendrite', 'url', 'container', 'declared'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

const SummaryT = Type.Object({ ...Object.fromEntries(STATUSES.map((s) => [s, Count])), total: Count, unexpected: Count } as Record<Status | 'total' | 'unexpected', typeof Count>, {
  additionalProperties: false,
});
export type TargetSummary = Record<Status, number> & { total: number; unexpected: number };

const Capability = Type.Object({ ok: Type.Boolean(), reason: Type.Optional(Type.String()) }, { additionalProperties: false });

export const TargetReportT = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    kind: Type.Enum(TARGET_KINDS),
    homeserver: Type.String(),
    software: Type.Union([Type.Null(), Type.Object({ name: Type.String(), version: Type.String() }, { additionalProperties: false })]),
    startup: Type.Optional(Type.Object({ ms: Millis, cold: Type.Boolean() }, { additionalProperties: false })),
    specVersion: Type.Optional(Type.String({ description: 'The spec version the target was tested against.' })),
    roomVersion: Type.Optional(Type.String({ description: 'The room version of this run: asked for with --room-version, or the server default.' })),
    deviationsFile: Type.Optional(Type.String()),
    capabilities: Type.Optional(Type.Record(Type.String(), Capability, { description: 'What the start-up probe found, and why a missing capability is missing.' })),
    summary: SummaryT,
    scenarios: Type.Array(ScenarioResultT),
  },
  { additionalProperties: false },
);
export type TargetReport = Omit<Static<typeof TargetReportT>, 'summary'> & { summary: TargetSummary };

export const RuleInfoT = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    text: Type.String(),
    quote: Type.Optional(Type.String({ description: "The spec's own sentence, quoted." })),
    link: Type.Optional(Type.String({ description: 'Where on spec.matrix.org/v1.19 the sentence is.' })),
    level: LevelT,
    section: Type.String(),
    since: Type.String(),
    until: Type.Optional(Type.String()),
    area: Type.String(),
    testable: Type.Boolean(),
    why: Type.Optional(Type.String()),
    needs: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type RuleInfo = Static<typeof RuleInfoT>;

export const COMPLIANCE_SCHEMA_ID = 'https://receipts-conformance.invalid/schemas/formats/compliance.schema.json';

export const ComplianceReportT = Type.Object(
  {
    suite: Type.Object({ name: Type.Literal('receipts-conformance'), version: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    spec: Type.Object({ version: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    generatedAt: Type.String({ format: 'date-time' }),
    durationMs: Millis,
    rules: Type.Array(RuleInfoT),
    targets: Type.Array(TargetReportT),
  },
  { additionalProperties: false, $id: COMPLIANCE_SCHEMA_ID, title: 'receipts-conformance compliance report', description: 'Written from src/model.ts by npm run schemas.' },
);
export type ComplianceReport = Omit<Static<typeof ComplianceReportT>, 'targets'> & { targets: TargetReport[] };

export function summarise(scenarios: readonly ScenarioResult[]): TargetSummary {
  const s = Object.fromEntries(STATUSES.map((st) => [st, 0])) as Record<Status, number>;
  let unexpected = 0;
  for (const r of scenarios) {
    s[r.status] += 1;
    if (r.unexpected) unexpected += 1;
  }
  return { ...s, total: scenarios.length, unexpected };
}
