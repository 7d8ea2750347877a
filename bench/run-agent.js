// `writeback-agent run` as the bench starts it: the CLI's own run command, given the runtime
// options the bench varies (fsync off for the durability comparison), which the shipped CLI does
// not offer. Plain JavaScript, so a compiled agent runs without a TypeScript loader.
// Usage: node [flags] bench/run-agent.js <path of cli/commands/run.js or .ts> fsync|no-fsync run-args...
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const [runModule, durability, ...argv] = process.argv.slice(2);
if (runModule === undefined || (durability !== 'fsync' && durability !== 'no-fsync')) throw new Error('usage: run-agent.js RUN_MODULE fsync|no-fsync ARGS...');
const { runCommand } = await import(pathToFileURL(runModule).href);
process.exit(await runCommand(argv, { fsync: durability === 'fsync' }));
