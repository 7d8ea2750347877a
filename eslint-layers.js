// The layers of the tree, kept by the linter rather than by memory: an import that climbs out of
// its top-level folder must land in one the table allows. Matching is on the import text, so
// each folder depth gets its own pattern (`../protocol/` from agent/x.ts is the top-level
// protocol/, from directory-sim/server/x.ts it is directory-sim/protocol/). demo/, test/ and
// bench/ are composition roots and may import anything.

/** Top-level folder -> the other top-level folders it may import. */
export const LAYERS = {
  protocol: [],
  'ldap-constants': [],
  agent: ['protocol', 'ldap-constants'],
  service: ['protocol'],
  'directory-sim': ['ldap-constants'],
  'service-sim': ['protocol', 'service'],
};

/** Packages and node modules a layer must not import (protocol/: nothing platform-specific beyond node:crypto). */
const PACKAGES = {
  protocol: { regex: '^(?!\\.|node:crypto$)', message: 'protocol/ imports nothing platform-specific beyond node:crypto (see eslint-layers.js)' },
  'ldap-constants': { regex: '^(?!\\.)', message: 'ldap-constants/ holds constants only and imports nothing (see eslint-layers.js)' },
};

const MAX_DEPTH = 6;

function climbOut(depth, allowed) {
  const up = `^(\\.\\./){${depth}}`;
  return allowed.length === 0 ? up : `${up}(?!(${allowed.join('|')})/)`;
}

function message(layer, allowed) {
  const may = allowed.length === 0 ? 'nothing outside itself' : allowed.map((name) => `${name}/`).join(' and ');
  return `${layer}/ may import ${may} (layer table in eslint-layers.js)`;
}

/** One flat-config object per layer and folder depth. */
export const layerConfigs = Object.entries(LAYERS).flatMap(([layer, allowed]) =>
  Array.from({ length: MAX_DEPTH }, (_, index) => {
    const depth = index + 1;
    const patterns = [{ regex: climbOut(depth, allowed), message: message(layer, allowed) }];
    if (PACKAGES[layer] !== undefined) patterns.push(PACKAGES[layer]);
    const dynamic = patterns.map(({ regex, message: text }) => ({ selector: `ImportExpression > Literal.source[value=/${regex.replaceAll('/', '\\/')}/]`, message: text }));
    return {
      name: `layers/${layer}/depth-${depth}`,
      files: [`${layer}/${'*/'.repeat(depth - 1)}*.ts`],
      rules: { 'no-restricted-imports': ['error', { patterns }], 'no-restricted-syntax': ['error', ...dynamic] },
    };
  }),
);
