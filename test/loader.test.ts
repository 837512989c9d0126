// A malformed scenario is reported as file:line:col with what was expected.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadScenarios, loadCatalogue, ScenarioError } from '../src/scenario/loader.ts';

const catalogue = loadCatalogue();

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rc-loader-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function problems(files: Record<string, string>): string[] {
  try {
    loadScenarios({ dirs: [dirWith(files)], catalogue });
  } catch (err) {
    if (err instanceof ScenarioError) return err.problems;
    throw err;
  }
  return [];
}

const head = `id: cs.test.sample
title: A sample scenario
rules: [R-CS-06]
level: MUST
spec: {since: v1.1}
users: [alice]
`;

describe('scenario loader', () => {
  it('loads the built-in scenarios', () => {
    const { scenarios } = loadScenarios({ catalogue });
    expect(scenarios.length).toBeGreaterThan(10);
    expect(new Set(scenarios.map((s) => s.id)).size).toBe(scenarios.length);
  });

  it('names file, line and column of an unknown key, and lists the allowed ones', () => {
    const p = problems({ 'area/sample.yaml': head + 'steps:\n  - create_room: {as: alice, room: r}\n  - receipt: {as: alice, room: r, evnt: x}\n' });
    expect(p.join('\n')).toMatch(/sample\.yaml:9:35: steps\[1\]\.receipt: unknown key "evnt"; expected one of: as, room, event/);
    expect(p.join('\n')).toMatch(/sample\.yaml:9:\d+: steps\[1\]\.receipt: missing required key "event"/);
  });

  it('reports a wrong value with its position', () => {
    const p = problems({ 'area/sample.yaml': head.replace('level: MUST', 'level: MUSTN\'T') + 'steps:\n  - create_room: {as: alice, room: r}\n' });
    expect(p[0]).toMatch(/sample\.yaml:4:8: level: "MUSTN'T" is not allowed; expected one of: "MUST"/);
  });

  it('reports YAML syntax errors with a position', () => {
    const p = problems({ 'area/sample.yaml': head + 'steps:\n  - create_room: {as: alice, room: r\n' });
    expect(p[0]).toMatch(/sample\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('rejects an unknown rule ID', () => {
    const p = problems({ 'area/sample.yaml': head.replace('R-CS-06', 'R-CS-99') + 'steps:\n  - create_room: {as: alice, room: r}\n' });
    expect(p[0]).toMatch(/sample\.yaml:3:\d+: unknown rule R-CS-99/);
  });

  it('rejects names used before they are defined', () => {
    const p = problems({ 'area/sample.yaml': head + 'steps:\n  - send: {as: alice, room: r, event: x}\n  - receipt: {as: bob, room: r, event: y}\n' });
    expect(p.join('\n')).toMatch(/:8:\d+: unknown room "r"/);
    expect(p.join('\n')).toMatch(/:9:\d+: unknown actor "bob"/);
    expect(p.join('\n')).toMatch(/unknown event "y"/);
  });

  it('requires the file name to match the id', () => {
    const p = problems({ 'area/other.yaml': head + 'steps:\n  - create_room: {as: alice, room: r}\n' });
    expect(p[0]).toMatch(/other\.yaml:1:\d+: the file name must be the last part of the id/);
  });

  it('requires exactly one kind per step', () => {
    const p = problems({ 'area/sample.yaml': head + 'steps:\n  - create_room: {as: alice, room: r}\n    send: {as: alice, room: r}\n' });
    expect(p[0]).toMatch(/sample\.yaml:8:5: expected one key naming the step kind, got 2/);
  });

  it('requires guests to be users, and the guest capability', () => {
    const p = problems({ 'area/sample.yaml': head + 'guests: [alice, zed]\nsteps:\n  - create_room: {as: alice}\n' });
    expect(p).toEqual([
      expect.stringMatching(/sample\.yaml:7:17: guest zed must also be listed under users/),
      expect.stringMatching(/sample\.yaml:7:9: guests need guest; add it to the scenario's needs/),
    ]);
  });
});
