import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { Attribute, Change, Client } from 'ldapts';
import { encodeUnicodePwd } from '../agent/directory/ad/unicode-pwd.js';
import { encodePasswordModify } from '../agent/directory/ldap/password-modify.js';
import { Oid } from '../ldap-constants/oids.js';
import { round, userAt, type LoadShape } from './agent-load.js';
import { benchPassword, type BaselineTarget } from './bench-target.js';
import { summarizeLatency, type LatencySummary } from './percentiles.js';

export interface BaselineResult {
  operations: number;
  failed: number;
  seconds: number;
  perSecond: number;
  latency: LatencySummary;
  /** CPU of this (bench) process per lookup + write: what ldapts itself costs, for comparison with the agent's. */
  clientCpuUsPerOperation: number;
  samples: number[];
}

/**
 * The raw baseline: ldapts alone doing what the agent must do at least once per reset (find the
 * user by an equality filter, write the password), over `connections` bound LDAPS connections
 * with `concurrency` operations in flight, as the agent's pool and maxInFlight allow. The users are
 * those from `firstIndex` on in userAt's order, as runAgentLoad's.
 */
export async function runLdapBaseline(
  target: BaselineTarget,
  users: readonly string[],
  options: { operations: number; connections: number; concurrency: number; shape: LoadShape; runTag: string; firstIndex?: number },
): Promise<BaselineResult> {
  const ca = await readFile(target.caFile);
  const clients = await Promise.all(
    Array.from({ length: options.connections }, async () => {
      const client = new Client({ url: target.url, timeout: 30_000, connectTimeout: 10_000, tlsOptions: { ca: [ca] } });
      await client.bind(target.bindDn, target.bindPassword);
      return client;
    }),
  );
  const samples: number[] = [];
  let failed = 0;
  let firstError: string | null = null;
  const one = async (index: number): Promise<void> => {
    const client = clients[index % clients.length];
    const user = userAt(users, (options.firstIndex ?? 0) + index);
    if (client === undefined) return;
    const start = performance.now();
    try {
      const { searchEntries } = await client.search(target.searchBase, { scope: 'sub', filter: target.filterFor(user), attributes: ['1.1'], sizeLimit: 2 });
      const dn = searchEntries[0]?.dn;
      if (dn === undefined) throw new Error(`baseline: no entry for ${user}`);
      const password = benchPassword(options.runTag, index);
      if (target.write === 'passwordModify') await client.exop(Oid.passwordModify, encodePasswordModify({ userIdentity: dn, newPassword: password }));
      else {
        const value = target.write === 'unicodePwd' ? encodeUnicodePwd(password) : password;
        await client.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: target.write, values: [value] as string[] | Buffer[] }) }));
      }
      samples.push(performance.now() - start);
    } catch (error) {
      failed++;
      firstError ??= error instanceof Error ? error.message : String(error);
    }
  };
  try {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    if (options.shape.kind === 'saturate') {
      let next = 0;
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (next < options.operations) await one(next++);
        }),
      );
    } else {
      const running: Promise<void>[] = [];
      let next = 0;
      while (next < options.operations) {
        const due = Math.min(options.operations, Math.floor(((performance.now() - started) / 1000) * options.shape.perSecond) + 1);
        while (next < due) running.push(one(next++));
        await delay(Math.max(1, Math.floor(1000 / options.shape.perSecond / 2)));
      }
      await Promise.all(running);
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    if (failed > options.operations / 100) throw new Error(`baseline: ${failed} of ${options.operations} operations failed, first: ${firstError ?? ''}`);
    return {
      operations: options.operations,
      failed,
      seconds: round(seconds, 3),
      perSecond: round(options.operations / seconds, 1),
      latency: summarizeLatency(samples),
      clientCpuUsPerOperation: round((cpu.user + cpu.system) / options.operations, 1),
      samples,
    };
  } finally {
    await Promise.all(clients.map((client) => client.unbind().catch(() => undefined)));
  }
}
