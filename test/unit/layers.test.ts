import test from 'ava';
import { ESLint, Linter } from 'eslint';
import { LAYERS, layerConfigs } from '../../eslint-layers.js';

/** Lints `code` as if it were the file at `filename`, with the layer rules only (no type information needed). */
function layerErrors(filename: string, code: string): string[] {
  const linter = new Linter({ configType: 'flat', cwd: process.cwd() });
  return linter.verify(code, [{ files: ['**/*.ts'] }, ...layerConfigs], { filename: `${process.cwd()}/${filename}` }).map((m) => `${m.line}: ${m.message}`);
}

test('the project config applies the layer rules', async (t) => {
  const config = (await new ESLint().calculateConfigForFile('agent/cli/main.ts')) as Linter.Config;
  const [severity, options] = config.rules?.['no-restricted-imports'] as [number, unknown];
  t.is(severity, 2, 'an error, so npm test fails');
  t.deepEqual(options, (layerConfigs.find((c) => c.name === 'layers/agent/depth-2')?.rules?.['no-restricted-imports'] as unknown[])[1]);
});

test('agent/ may import protocol/ and ldap-constants/, and nothing else of ours', (t) => {
  t.deepEqual(layerErrors('agent/directory/ldap/x.ts', "import { Oid } from '../../../ldap-constants/oids.js';\nimport { a } from '../../../protocol/codes.js';\nimport { b } from '../dn.js';\n"), []);
  t.deepEqual(layerErrors('agent/x.ts', "import { S } from '../directory-sim/start-directory-sim.js';\n"), [
    "1: '../directory-sim/start-directory-sim.js' import is restricted from being used by a pattern. agent/ may import protocol/ and ldap-constants/ (layer table in eslint-layers.js)",
  ]);
  t.is(layerErrors('agent/pipeline/x.ts', "import { S } from '../../service/server.js';\n").length, 1, 'the top-level service/');
  t.deepEqual(layerErrors('agent/cli/x.ts', "import { P } from '../service/service-plan.js';\n"), [], "the agent's own service/ folder");
  t.deepEqual(
    layerErrors('agent/cli/commands/x.ts', "export const load = () => import('../../../service-sim/index.js');\n"),
    ['1: agent/ may import protocol/ and ldap-constants/ (layer table in eslint-layers.js)'],
    'a dynamic import too',
  );
});

test('protocol/ imports nothing of ours and no node module but node:crypto', (t) => {
  t.deepEqual(layerErrors('protocol/x.ts', "import { createHash } from 'node:crypto';\nimport { a } from './jcs.js';\n"), []);
  t.is(layerErrors('protocol/x.ts', "import { Oid } from '../ldap-constants/oids.js';\n").length, 1);
  t.is(layerErrors('protocol/x.ts', "import { readFile } from 'node:fs';\n").length, 1);
  t.is(layerErrors('protocol/x.ts', "import WebSocket from 'ws';\n").length, 1);
});

test('directory-sim/ imports only ldap-constants/; its own protocol/ folder is its own', (t) => {
  t.deepEqual(layerErrors('directory-sim/server/x.ts', "import { Oid } from '../../ldap-constants/oids.js';\nimport { r } from '../protocol/ldap-request.js';\n"), []);
  t.is(layerErrors('directory-sim/server/x.ts', "import { Oid } from '../../agent/errors.js';\n").length, 1);
  t.is(layerErrors('directory-sim/x.ts', "import { a } from '../protocol/codes.js';\n").length, 1);
});

test('service/ imports only protocol/; service-sim/ protocol/ and service/; composition roots anything', (t) => {
  t.deepEqual(layerErrors('service/x/y.ts', "import { a } from '../../protocol/codes.js';\n"), []);
  t.is(layerErrors('service/x/y.ts', "import { a } from '../../agent/errors.js';\n").length, 1);
  t.deepEqual(layerErrors('service-sim/x.ts', "import { a } from '../protocol/codes.js';\nimport { b } from '../service/x.js';\n"), []);
  t.is(layerErrors('service-sim/x.ts', "import { a } from '../directory-sim/cli.js';\n").length, 1);
  for (const root of ['demo/x.ts', 'test/x.ts', 'bench/x.ts']) t.deepEqual(layerErrors(root, "import { a } from '../agent/errors.js';\nimport { b } from '../directory-sim/cli.js';\n"), [], root);
  t.deepEqual(Object.keys(LAYERS).sort(), ['agent', 'directory-sim', 'ldap-constants', 'protocol', 'service', 'service-sim']);
});
