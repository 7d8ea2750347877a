import { cpus, loadavg, totalmem, release } from 'node:os';

/** What the figures came from: they only compare within one machine and one moment. */
export interface MachineInfo {
  cpuModel: string;
  nproc: number;
  memoryGb: number;
  kernel: string;
  node: string;
  loadAverage: [number, number, number];
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  const [one, five, fifteen] = loadavg();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    nproc: list.length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    loadAverage: [round2(one), round2(five), round2(fifteen)],
  };
}

function round2(value: number | undefined): number {
  return Math.round((value ?? 0) * 100) / 100;
}
