// The scenario file format, built from the step and check registries: one definition gives the
// loader its validator, the editor its JSON Schema (fixtures/schemas/formats/scenario.schema.json,
// written by `npm run schemas`) and the runner its types.
import Type from 'typebox';
import { STEP_DEFS, StepSchema } from '../runner/steps/index.ts';
import { CHECK_DEFS } from '../runner/checks/index.ts';
import { EXPECT_DEFS } from '../runner/response.ts';
import { LevelSchema, NAME_PATTERN, RulesSchema } from '../runner/kinds.ts';
import { CAPABILITIES, TAGS } from './types.ts';

const Version = Type.String({ pattern: '^(v1\\.[0-9]+|r0\\.[0-9]+\\.[0-9]+)$', description: 'A spec version: v1.N, or r0.N.N.' });
const ActorName = Type.String({ pattern: NAME_PATTERN });

export const SCENARIO_SCHEMA_ID = 'https://receipts-conformance.invalid/schemas/formats/scenario.schema.json';

export const ScenarioDocument = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9]+(\\.[a-z0-9][a-z0-9-]*)+$', description: 'Stable, dotted, semantic ID; its last part is the file name.' }),
    title: Type.String({ minLength: 5, maxLength: 120, description: 'The behaviour, read like the spec sentence it checks.' }),
    rules: RulesSchema,
    level: LevelSchema,
    spec: Type.Object({ since: Version, until: Type.Optional(Version) }, { additionalProperties: false, description: 'The spec versions in which the rule holds (until is exclusive).' }),
    tags: Type.Optional(Type.Array(Type.Enum(TAGS), { uniqueItems: true, description: 'From the closed list in src/scenario/types.ts.' })),
    needs: Type.Optional(Type.Array(Type.Enum(CAPABILITIES), { uniqueItems: true, description: 'What the target must offer beyond the client-server API.' })),
    tentative: Type.Optional(Type.String({ pattern: '^MSC[0-9]+$', description: 'Behaviour of this MSC, not yet in the spec: reported apart, never changes the exit code.' })),
    notes: Type.Optional(Type.String({ description: 'Why the scenario is shaped the way it is, e.g. why a verdict is informational.' })),
    users: Type.Optional(Type.Array(ActorName, { minItems: 1, uniqueItems: true, description: 'Local users, created fresh for this scenario.' })),
    guests: Type.Optional(Type.Array(ActorName, { minItems: 1, uniqueItems: true, description: 'The users (each also listed under users) who are guest accounts, registered with POST /register?kind=guest before the scenarios run. Needs guest.' })),
    remote_users: Type.Optional(Type.Array(ActorName, { uniqueItems: true, description: "Users on the suite's fake federation server." })),
    steps: Type.Array(StepSchema, { minItems: 1 }),
  },
  { additionalProperties: false, $defs: { ...STEP_DEFS, ...CHECK_DEFS, ...EXPECT_DEFS }, $id: SCENARIO_SCHEMA_ID, title: 'receipts-conformance scenario', description: 'One behaviour of a homeserver, checked against the rules it cites. Names are resolved by the runner; authors never write IDs or tokens.' },
);

/** The JSON Schema document as written to fixtures/schemas/formats/scenario.schema.json. */
export function scenarioJsonSchema(): object {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', ...JSON.parse(JSON.stringify(ScenarioDocument)) };
}
