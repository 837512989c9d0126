// The target file format: a homeserver described by data (install, config, services, start,
// readiness, registration), so that adding a server needs no TypeScript. TypeBox builds the JSON
// Schema and the static types from one definition, so the two cannot drift apart.
import Type, { type Static } from 'typebox';

const closed = { additionalProperties: false } as const;
const Str = (description: string) => Type.String({ minLength: 1, description });
const Argv = (description: string) => Type.Array(Type.String(), { minItems: 1, description });
const Env = Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String(), { ...closed, description: 'environment variables; values may hold {{placeholders}}' });
const Seconds = (description: string) => Type.Number({ exclusiveMinimum: 0, maximum: 3600, description });
const DATE = '^\\d{4}-\\d{2}-\\d{2}$';

const Cargo = Type.Object(
  {
    crate: Str('crate name on crates.io'),
    version: Type.Optional(Str('crate version; default: the target version')),
    binaries: Type.Array(Str('binary name'), { minItems: 1, description: 'binaries the crate installs into <cache>/bin' }),
    features: Type.Optional(Type.Array(Str('cargo feature'))),
    keep_build_dir: Type.Optional(Type.Boolean({ description: 'keep CARGO_TARGET_DIR after a successful build (default false: it is large)' })),
  },
  closed,
);

const Python = Type.Object(
  {
    packages: Type.Array(Str('a requirement, e.g. matrix-synapse==1.60.0'), { minItems: 1 }),
    python: Type.Optional(Str('interpreter: a path, or a version such as "3.9" looked up as python3.9 on PATH and in ~/.pyenv/versions')),
    exclude_newer: Type.Optional(Type.String({ pattern: DATE, description: 'uv only: ignore releases published after this date (YYYY-MM-DD), to get the dependencies of the day' })),
  },
  closed,
);

const Go = Type.Object(
  {
    module: Str('Go module path, e.g. github.com/matrix-org/dendrite'),
    version: Type.Optional(Str('module version without the leading v; default: the target version')),
    packages: Type.Array(Str('package path inside the module, e.g. cmd/dendrite'), { minItems: 1 }),
    cgo: Type.Optional(Type.Boolean()),
  },
  closed,
);

const Command = Type.Object(
  {
    argv: Argv('the install command; runs in the cache directory, {{install_dir}} and {{version}} are filled in'),
    env: Type.Optional(Env),
    creates: Type.Optional(Type.Array(Str('a path under {{install_dir}} that must exist afterwards'))),
  },
  closed,
);

export const InstallSchema = Type.Object(
  {
    cargo: Type.Optional(Cargo),
    pip: Type.Optional(Python),
    uv: Type.Optional(Python),
    go: Type.Optional(Go),
    command: Type.Optional(Command),
  },
  { ...closed, minProperties: 1, maxProperties: 1, description: 'exactly one install kind' },
);

const Postgres = Type.Object(
  {
    version: Type.Optional(Type.Integer({ minimum: 9, description: 'PostgreSQL major version (default 15); binaries from /usr/lib/postgresql/<v>/bin or PATH' })),
    database: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]*$', description: 'database to create (default: the target name)' })),
    ready_timeout_s: Type.Optional(Seconds('deadline for initdb and start-up (default 60)')),
  },
  closed,
);

export const ServiceSchema = Type.Object({ postgres: Type.Optional(Postgres) }, { ...closed, minProperties: 1, maxProperties: 1 });

const ConfigFile = Type.Object(
  {
    template: Str('template file, relative to the target file; {{placeholders}} are filled in'),
    to: Str('file name inside {{data_dir}}'),
  },
  closed,
);

const WrittenFile = Type.Object(
  {
    path: Str('file name inside {{data_dir}}'),
    content: Type.String({ description: 'text; {{placeholders}} are filled in' }),
  },
  closed,
);

const Secret = Type.Object(
  {
    bytes: Type.Optional(Type.Integer({ minimum: 8, maximum: 128, description: 'random bytes (default 24)' })),
    encoding: Type.Optional(Type.Enum(['hex', 'base64', 'base64-unpadded'], { description: 'default hex' })),
  },
  closed,
);

const Ready = Type.Object(
  {
    log: Str('regular expression for the log line printed when the client listener is (about to be) bound'),
    http: Type.Optional(Type.String({ pattern: '^/', description: 'path that must then answer 200 (default /_matrix/client/versions)' })),
    timeout_s: Type.Optional(Seconds('deadline for the log line (default 120)')),
    bind_grace_s: Type.Optional(Type.Number({ minimum: 0, maximum: 60, description: 'how long a refused connection is retried after the log line (default 0)' })),
  },
  closed,
);

const Registration = Type.Object(
  {
    mode: Type.Enum(['shared-secret', 'open', 'command']),
    secret: Type.Optional(Str('shared-secret mode: the secret, usually {{secret.NAME}}')),
    argv: Type.Optional(Argv('command mode: prints one JSON object {user_id, access_token} for {{localpart}}')),
    users: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'command mode: users made up front (default 60)' })),
  },
  closed,
);

export const TargetFileSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]*$', description: 'target id; the cache key is <name>-<version>' }),
    version: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9.+_-]*$', description: 'the release installed' }),
    description: Type.Optional(Type.String()),
    server_name: Type.Optional(Str('the server name in its config (default <name>.rc.test); may use {{port}}')),
    path_version: Type.Optional(Type.Enum(['v3', 'r0'], { description: 'client-server path prefix the suite should use (default v3)' })),
    spec: Type.Optional(Type.String({ pattern: '^(v1\\.\\d+|r0\\.\\d+\\.\\d+)$', description: 'newest spec version the server implements, for --spec' })),
    requires: Type.Optional(
      Type.Array(Type.Object({ command: Str('a program that must be on PATH'), hint: Str('how to get it') }, closed), { description: 'tools checked before installing' }),
    ),
    install: InstallSchema,
    services: Type.Optional(Type.Array(ServiceSchema)),
    secrets: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), Secret, { ...closed, description: 'random values made per run, as {{secret.NAME}}' })),
    config: Type.Optional(Type.Array(ConfigFile)),
    files: Type.Optional(Type.Array(WrittenFile)),
    start: Type.Object({ argv: Argv('the server command; {{placeholders}} are filled in'), env: Type.Optional(Env) }, closed),
    ready: Ready,
    registration: Registration,
    stop: Type.Optional(Type.Object({ grace_s: Seconds('SIGTERM, then SIGKILL after this long (default 10)') }, closed)),
  },
  { ...closed, $id: 'https://receipts-conformance.invalid/target.schema.json' },
);

export type TargetFile = Static<typeof TargetFileSchema>;
export type InstallSpec = Static<typeof InstallSchema>;
export type ServiceSpec = Static<typeof ServiceSchema>;
