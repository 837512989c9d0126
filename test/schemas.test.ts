// The JSON Schema files generated from TypeBox must be current, and every kind module must be in
// its registry (a module left out would silently not exist for scenario authors).
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_SCHEMAS, renderSchema } from '../src/schemas.ts';
import { projectRoot } from '../src/scenario/schema.ts';
import { ALL_STEPS } from '../src/runner/steps/index.ts';
import { CHECKS } from '../src/runner/checks/index.ts';

describe('generated schemas', () => {
  for (const [file, make] of Object.entries(GENERATED_SCHEMAS)) {
    it(`${file} is current (npm run schemas)`, () => {
      expect(readFileSync(join(projectRoot, file), 'utf8')).toBe(renderSchema(make));
    });
  }
});

describe('registries', () => {
  const kindsIn = async (dir: string) => {
    const out: string[] = [];
    for (const f of readdirSync(join(projectRoot, dir)).filter((x) => x.endsWith('.ts') && !['index.ts', 'common.ts', 'membership.ts'].includes(x))) {
      const mod = (await import(join(projectRoot, dir, f))) as Record<string, unknown>;
      for (const v of Object.values(mod)) if (v && typeof v === 'object' && 'kind' in v && ('run' in v || 'eval' in v)) out.push((v as { kind: string }).kind);
    }
    return out.sort();
  };
  it('every step module is registered', async () => {
    const registered = new Set(ALL_STEPS.map((k) => k.kind));
    for (const kind of await kindsIn('src/runner/steps')) expect(registered.has(kind), kind).toBe(true);
  });
  it('every check module is registered', async () => {
    const registered = new Set<string>(CHECKS.map((k) => k.kind));
    for (const kind of await kindsIn('src/runner/checks')) expect(registered.has(kind), kind).toBe(true);
  });
});
