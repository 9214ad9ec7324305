import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Test files, and the store contract parts (`*.contract.ts`: tests the store contract suite runs). */
function testFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...testFiles(path));
    else if (/\.(test|contract)\.tsx?$/.test(name)) found.push(path);
  }
  return found;
}

describe('PROTOCOL.md', () => {
  it('every rule id is cited by a test name', () => {
    const doc = readFileSync(join(root, 'packages/protocol/PROTOCOL.md'), 'utf8');
    const rules = [...new Set([...doc.matchAll(/\*\*(P-\d+[a-z]?)\*\*/g)].map((m) => m[1] ?? ''))];
    expect(rules.length).toBeGreaterThan(20);
    const tests = [...testFiles(join(root, 'packages')), ...testFiles(join(root, 'e2e'))]
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const cited = (rule: string) =>
      new RegExp(`\\bit(?:\\.each\\([^)]*\\))?\\(\\s*['"\`][^'"\`]*\\b${rule}\\b(?![a-z])`).test(tests);
    expect(rules.filter((rule) => !cited(rule))).toEqual([]);
  });
});
