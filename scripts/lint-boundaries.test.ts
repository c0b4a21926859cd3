import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

/**
 * The package boundaries of eslint.config.js hold: each forbidden import below, written in a file
 * of the package it would break, fails lint; the allowed ones pass. Run with the repository's config.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const eslint = new ESLint({ cwd: root });
const BOUNDARY_RULES = new Set(['import-x/no-restricted-paths', 'no-restricted-imports']);

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  assert.ok(result, 'eslint linted the snippet');
  return result.messages.filter((m) => m.severity === 2 && m.ruleId && BOUNDARY_RULES.has(m.ruleId)).map((m) => `${m.ruleId}: ${m.message}`);
}

const forbidden: [string, string, string][] = [
  ['web → server, relative path', 'apps/web/src/probe.ts', "import { loadConfig } from '../../server/src/config.ts';\nconsole.log(loadConfig);\n"],
  ['web → server, type-only', 'apps/web/src/screens/probe.tsx', "import type { Config } from '../../../server/src/config.ts';\nexport type C = Config;\n"],
  ['web → server, by package name', 'apps/web/src/probe.ts', "import { x } from '@parta/server';\nconsole.log(x);\n"],
  ['web → server, dynamic import', 'apps/web/src/probe.ts', "export const m = import('../../server/src/config.ts');\n"],
  [
    'protocol → server, relative path',
    'packages/protocol/src/probe.ts',
    "import { loadConfig } from '../../../apps/server/src/config.ts';\nconsole.log(loadConfig);\n",
  ],
  ['protocol → web, relative path', 'packages/protocol/src/probe.ts', "export * from '../../../apps/web/src/i18n/ru.ts';\n"],
  ['protocol → any package of ours', 'packages/protocol/src/probe.ts', "import { x } from '@parta/server';\nconsole.log(x);\n"],
];

for (const [name, file, code] of forbidden) {
  test(`a forbidden import fails lint: ${name}`, async () => {
    const errors = await boundaryErrors(file, code);
    assert.ok(errors.length > 0, `${file} passed lint with:\n${code}`);
  });
}

test('the allowed imports pass: web → protocol, protocol → itself, server → protocol', async () => {
  assert.deepEqual(await boundaryErrors('apps/web/src/probe.ts', "import { ErrorCodes } from '@parta/protocol';\nconsole.log(ErrorCodes);\n"), []);
  assert.deepEqual(await boundaryErrors('packages/protocol/src/probe.ts', "export * from './errors.ts';\n"), []);
  assert.deepEqual(await boundaryErrors('apps/server/src/probe.ts', "import { ErrorCodes } from '@parta/protocol';\nconsole.log(ErrorCodes);\n"), []);
});
