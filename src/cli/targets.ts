// The target registry: how each kind of --target starts, and which deviations file the project
// keeps for it. A new kind is a module under src/targets/ plus one entry here (the compiler asks
// for it once the kind is in TARGET_KINDS); a new server described by data needs neither, only a
// file in fixtures/targets/.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { TargetKind } from '../model.ts';
import { projectRoot } from '../scenario/schema.ts';
import type { TargetHandle } from '../targets/target.ts';
import { startSynapseTarget } from '../targets/synapse.ts';
import { startDendriteTarget } from '../targets/dendrite.ts';
import { openUrlTarget } from '../targets/url.ts';
import { loadTargetFile, startDeclaredTarget } from '../targets/declarative.ts';
import type { CliOptions, TargetRef } from './args.ts';

export interface StartContext {
  reportDir: string;
  log: (line: string) => void;
  /** Whether a selected scenario needs the suite's application service registered. */
  appservice?: boolean;
}

export interface TargetEntry {
  /** The implementation whose deviations file (fixtures/deviations/<name>.yaml) applies, if any. */
  deviations?: (ref: TargetRef) => string;
  start(opts: CliOptions, ctx: StartContext, ref: TargetRef): Promise<TargetHandle>;
}

export const TARGETS = {
  synapse: { deviations: () => 'synapse', start: (o, c) => startSynapseTarget({ ...c, version: o.synapseVersion }) },
  dendrite: { deviations: () => 'dendrite', start: (o, c) => startDendriteTarget({ ...c, version: o.dendriteVersion }) },
  // The project's container runs the Synapse image it builds, so it shares Synapse's deviations.
  container: { deviations: () => 'synapse', start: async (o, c) => (await import('../targets/container.ts')).startContainerTarget({ ...c, image: o.image, hostNetwork: o.containerNetwork === 'host', synapseVersion: o.synapseVersion }) },
  url: { start: (o) => openUrlTarget({ homeserver: o.homeserver!, sharedSecret: o.sharedSecret, usersFile: o.usersFile }) },
  declared: { deviations: (ref) => ref.name, start: (_o, c, ref) => startDeclaredTarget(loadTargetFile(ref.file!), { ...c, id: ref.name }) },
} satisfies Record<TargetKind, TargetEntry>;

export function startTarget(opts: CliOptions, ref: TargetRef, ctx: StartContext): Promise<TargetHandle> {
  return (TARGETS[ref.kind] as TargetEntry).start(opts, ctx, ref);
}

/** The deviations file for a target: given on the command line, else the project's own. */
export function deviationsFileFor(opts: CliOptions, ref: TargetRef): string | undefined {
  if (opts.noDeviations) return undefined;
  const given = opts.deviations[ref.name] ?? opts.deviations['*'];
  if (given) return given;
  const own = (TARGETS[ref.kind] as TargetEntry).deviations?.(ref);
  const file = own ? join(projectRoot, `fixtures/deviations/${own}.yaml`) : undefined;
  return file && existsSync(file) ? file : undefined;
}

/** The spec version and path prefix a target is tested with: the command line's, else its own. */
export function specFor(opts: CliOptions, t?: Pick<TargetHandle, 'specVersion'>): string {
  return opts.spec ?? t?.specVersion ?? 'v1.19';
}

export function pathVersionFor(opts: CliOptions, t?: Pick<TargetHandle, 'pathVersion'>): 'v3' | 'r0' {
  return opts.pathVersion ?? t?.pathVersion ?? 'v3';
}
