#!/usr/bin/env node
import { main, oneLine } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`writeback-service: ${oneLine(error)}\n`);
    process.exitCode = 2;
  },
);
