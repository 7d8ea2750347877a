import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU time and memory of another process, read from /proc (Linux only). */
export interface ProcessStats {
  /** user + system CPU time, ms. */
  cpuMs: number;
  /** The system (kernel) part of cpuMs. */
  systemMs: number;
  /** user + system CPU time of the main thread alone (the event loop), ms. */
  mainThreadCpuMs: number;
  /** Resident set size now, bytes. */
  rssBytes: number;
  /** Peak resident set size since the process started (VmHWM), bytes. */
  peakRssBytes: number;
}

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function statusKb(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

/** utime and stime (clock ticks) from a /proc stat file. */
function cpuTicks(path: string): { utime: number; stime: number } {
  const stat = readFileSync(path, 'utf8');
  // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { utime: Number(fields[11]), stime: Number(fields[12]) };
}

/**
 * Reads /proc/<pid>/stat (utime, stime; all threads), /proc/<pid>/task/<pid>/stat (the main
 * thread: the event loop, which bounds throughput) and /proc/<pid>/status (VmRSS, VmHWM).
 */
export function processStats(pid: number): ProcessStats {
  const { utime, stime } = cpuTicks(`/proc/${pid}/stat`);
  const main = cpuTicks(`/proc/${pid}/task/${pid}/stat`);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    cpuMs: ((utime + stime) * 1000) / clockTicks(),
    systemMs: (stime * 1000) / clockTicks(),
    mainThreadCpuMs: ((main.utime + main.stime) * 1000) / clockTicks(),
    rssBytes: statusKb(status, 'VmRSS') * 1024,
    peakRssBytes: statusKb(status, 'VmHWM') * 1024,
  };
}
