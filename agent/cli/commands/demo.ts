import { runDemo } from '../../demo/run-demo.js';

/** `demo`: the whole system on this machine with nothing installed beyond the package. */
export async function demoCommand(): Promise<number> {
  return runDemo();
}
