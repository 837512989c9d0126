// The load report's data model; fixtures/schemas/load-report.schema.json describes its JSON.
import type { CpuReport } from '../bench/cpu.ts';
import type { InvariantResult } from './invariants.ts';
import type { Workload } from './options.ts';
import type { LatencySummary, TimeBucket } from './stats.ts';

export const METRICS = {
  receiptPost: { label: 'POST /receipt', description: 'from sending POST /receipt until its 200 answer' },
  syncDelivery: { label: 'to /sync', description: "from POST /receipt until another member's long-poll /sync shows the receipt" },
  federationDelivery: { label: 'to the remote server', description: 'from POST /receipt until the remote server receives the m.receipt EDU' },
  remoteSend: { label: 'federation PUT /send', description: 'from sending a transaction with a remote user\'s receipt until its 200 answer' },
  remoteSyncDelivery: { label: 'remote to /sync', description: "from sending a remote user's receipt until a local member's /sync shows it" },
} as const;

export type MetricId = keyof typeof METRICS;
export const METRIC_IDS = Object.keys(METRICS) as MetricId[];

export interface LoadCounts {
  planned: number;
  /** Local receipts started / answered 200 / answered otherwise or not at all. */
  posted: number;
  accepted: number;
  failed: number;
  /** Remote receipts sent in transactions / answered 200. */
  remoteSent: number;
  remoteAccepted: number;
  /** Posts not started because a bound was reached. */
  notStarted: number;
  /** Responses with status 429 (any request), and the time waited because of them. */
  rateLimited: number;
  /** 429s by request kind (e.g. "POST /receipt", "POST /join"). */
  rateLimitedBy: Record<string, number>;
  retryWaitMs: number;
  transportErrors: number;
  requests: number;
  syncResponses: number;
  syncErrors: number;
  receiptsSeenAtSync: number;
  edusReceived: number;
  unattributedAtSync: number;
  unattributedAtRemote: number;
  behindSchedule: number;
  maxLagMs: number;
}

export interface LoadTargetReport {
  id: string;
  kind: 'synapse' | 'dendrite' | 'url';
  homeserver: string;
  software: { name: string; version: string } | null;
  status: 'ok' | 'unusable';
  /** Why the target could not be used (status unusable), or why the run stopped early. */
  error?: string;
  /** ISO time at which posting began. */
  startedAt?: string;
  timings?: { setupMs: number; postingMs: number; drainMs: number; drained: boolean };
  counts?: LoadCounts;
  /** Receipts per second of posting time: asked for, and answered 200 (all, local, remote). */
  throughput?: { requestedPerS: number; acceptedPerS: number; localAcceptedPerS: number; remoteAcceptedPerS: number };
  latency?: Record<MetricId, LatencySummary>;
  cdf?: Record<MetricId, [number, number][]>;
  overTime?: Record<MetricId, TimeBucket[]>;
  /** Server and harness CPU during posting and drain, when the server runs on this machine. */
  cpu?: CpuReport | null;
  invariants: InvariantResult[];
}

export interface LoadConfig extends Workload {
  plannedReceipts: number;
  eventsPerRoom: number;
  /** null: the server's default room version. */
  roomVersion: string | null;
}

export interface LoadReport {
  suite: { name: 'receipts-conformance'; version: string };
  kind: 'load';
  generatedAt: string;
  durationMs: number;
  config: LoadConfig;
  targets: LoadTargetReport[];
}

/** 0 every invariant held on every usable target, 1 one broke, 3 a target was unusable. */
export function exitCodeOf(report: LoadReport): number {
  if (report.targets.some((t) => t.status === 'unusable')) return 3;
  if (report.targets.some((t) => t.invariants.some((i) => i.status === 'fail'))) return 1;
  return 0;
}
