#!/usr/bin/env node
// Only the version check is imported statically: the rest of the agent may use what an old Node
// lacks, and must not fail with a stack trace before the check could say which Node it needs.
import { nodeTooOld } from '../runtime/node-requirement.js';

const tooOld = nodeTooOld(process.version, process.execPath);
if (tooOld !== null) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(2);
}
const { main, oneLine } = await import('./main.js');
main(process.argv.slice(2)).then(
  (code) => {
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`writeback-agent: ${oneLine(error)}\n`);
    process.exitCode = 2;
  },
);
