// The target registry: how each --target kind starts, and which deviations file the project keeps
// for it. A new kind is a module under src/targets/ plus one entry here (the compiler asks for it
// once the kind is in TARGET_KINDS).
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { TargetKind } from '../model.ts';
import { projectRoot } from '../scenario/schema.ts';
import type { TargetHandle } from '../targets/target.ts';
import { startSynapseTarget } from '../targets/synapse.ts';
import { startDendriteTarget } from '../targets/dendrite.ts';
import { startContainerTarget } from '../targets/container.ts';
import { openUrlTarget } from '../targets/url.ts';
import type { CliOptions } from './args.ts';

export interface StartContext {
  reportDir: string;
  log: (line: string) => void;
}

export interface TargetEntry {
  /** The implementation whose deviations file (fixtures/deviations/<name>.yaml) applies, if any. */
  deviations?: string;
  start(opts: CliOptions, ctx: StartContext): Promise<TargetHandle>;
}

export const TARGETS = {
  synapse: { deviations: 'synapse', start: (o, c) => startSynapseTarget({ ...c, version: o.synapseVersion }) },
  dendrite: { deviations: 'dendrite', start: (o, c) => startDendriteTarget({ ...c, version: o.dendriteVersion }) },
  // The project's container runs the Synapse image it builds, so it shares Synapse's deviations.
  container: { deviations: 'synapse', start: (o, c) => startContainerTarget({ ...c, image: o.image, hostNetwork: o.containerNetwork === 'host', synapseVersion: o.synapseVersion }) },
  url: { start: (o) => openUrlTarget({ homeserver: o.homeserver!, sharedSecret: o.sharedSecret, usersFile: o.usersFile }) },
} satisfies Record<TargetKind, TargetEntry>;

/** The deviations file for a target kind: given on the command line, else the project's own. */
export function deviationsFileFor(opts: CliOptions, kind: TargetKind): string | undefined {
  if (opts.noDeviations) return undefined;
  const given = opts.deviations[kind] ?? opts.deviations['*'];
  if (given) return given;
  const own = (TARGETS[kind] as TargetEntry).deviations;
  const file = own ? join(projectRoot, `fixtures/deviations/${own}.yaml`) : undefined;
  return file && existsSync(file) ? file : undefined;
}
