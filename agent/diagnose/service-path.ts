import { readFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { get as httpGet, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { SUBPROTOCOL, parseServiceFrame } from '../../protocol/index.js';
import { SetupError } from '../errors.js';
import { proxyAgent, proxyFor } from '../connection/proxy.js';
import { socketOptions, type ServiceEndpoint } from '../connection/socket-options.js';
import { classifyError, unexpectedStatus } from './classify-error.js';
import { hostAndPort, resolveHost, systemLookup, tcpConnect, type Lookup } from './net-probes.js';
import { Diagnosis, fixFor, type NetworkCause, type ServiceStep, type StepResult, type StepStatus } from './network-causes.js';
import { openTunnel, redactProxy } from './proxy-tunnel.js';
import { inspectTls, tlsSteps } from './tls-inspection.js';

export interface ServicePathOptions {
  endpoint: ServiceEndpoint;
  /** The agent's allowed clock skew (clock.maxSkewMs). */
  maxSkewMs: number;
  timeoutMs: number;
  now?: () => Date;
  lookup?: Lookup;
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_PORTS = { 'wss:': 443, 'ws:': 80 } as const;

/** Builds the lines of one path; a FAIL marks every later step as not tried. */
class PathReport {
  readonly lines: StepResult[] = [];
  failed = false;
  constructor(readonly target: string) {}

  add(step: ServiceStep, status: StepStatus, detail: string, cause?: NetworkCause, fix?: string): void {
    this.lines.push({ path: 'service', target: this.target, step, status, detail, ...(cause === undefined ? {} : { cause, fix: fix ?? fixFor(cause) }) });
    if (status === 'FAIL') this.failed = true;
  }

  fail(step: ServiceStep, cause: NetworkCause, detail: string, fix?: string): void {
    this.add(step, 'FAIL', `${Diagnosis.causes[cause].label}: ${detail}`, cause, fix);
  }

  /** The error's cause when it is a known one, else the step's generic cause. */
  failWith(step: ServiceStep, error: unknown, fallback: NetworkCause, viaProxy: boolean): void {
    const classified = classifyError(error, { viaProxy });
    this.fail(step, classified?.cause ?? fallback, classified?.detail ?? 'unexpected error');
  }

  /** Lines for the steps never reached. */
  finish(): StepResult[] {
    for (const step of Diagnosis.steps.service) {
      if (!this.lines.some((line) => line.step === step)) this.lines.push({ path: 'service', target: this.target, step, status: 'SKIPPED', detail: 'not tried: an earlier step failed' });
    }
    return this.lines;
  }
}

/**
 * The service path, one step after the other: name resolution, proxy, TCP, TLS (issuer, name,
 * expiry), the WebSocket upgrade and subprotocol, the challenge, and the clock against the service's.
 * It never sends `hello`: a session would replace the running agent's.
 */
export async function diagnoseService(options: ServicePathOptions): Promise<StepResult[]> {
  const { endpoint, timeoutMs } = options;
  const now = options.now ?? (() => new Date());
  const lookup = options.lookup ?? systemLookup;
  const env = options.env ?? process.env;
  const report = new PathReport(endpoint.url);
  const url = new URL(endpoint.url);
  const { host, port } = hostAndPort(url, DEFAULT_PORTS);
  const proxy = proxyFor(endpoint.url, endpoint.proxy, env);
  const proxySource = endpoint.proxy ? 'service.proxy' : 'HTTPS_PROXY';
  let ca: Buffer | undefined;
  if (endpoint.caFile !== null) {
    try {
      ca = readFileSync(endpoint.caFile);
    } catch {
      throw new SetupError('CONFIG', `cannot read service.caFile ${endpoint.caFile}: check the path and that this account can read it`);
    }
  }

  // Name resolution: with a proxy, the agent resolves the proxy's name and the proxy the service's.
  const proxyUrl = proxy === null ? null : new URL(proxy);
  const resolveTarget = proxyUrl === null ? host : proxyUrl.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[] = [];
  try {
    addresses = await resolveHost(resolveTarget, lookup);
    if (addresses.length === 0) throw Object.assign(new Error('no address'), { code: 'ENOTFOUND' });
    report.add('resolve', 'OK', proxyUrl === null ? `${host} is ${addresses.join(', ')}` : `the proxy ${resolveTarget} is ${addresses.join(', ')}; the proxy resolves ${host}`);
  } catch (error) {
    report.failWith('resolve', error, 'NAME_NOT_RESOLVED', false);
    return report.finish();
  }

  // Proxy and TCP.
  let socket: Socket;
  if (proxy === null) {
    const why = endpoint.proxy === null && (env['HTTPS_PROXY'] ?? env['https_proxy']) ? 'NO_PROXY matches the host' : 'none configured, HTTPS_PROXY not set';
    report.add('proxy', 'OK', `direct connection (${why})`);
    try {
      socket = await tcpConnect(addresses[0]!, port, timeoutMs);
      report.add('tcp', 'OK', `connected to ${addresses[0]!}:${port}`);
    } catch (error) {
      report.failWith('tcp', error, 'CONNECTION_FAILED', false);
      return report.finish();
    }
  } else {
    const tunnel = await openTunnel(proxy, host, port, { ca, timeoutMs });
    const named = `${redactProxy(proxy)} (from ${proxySource})`;
    if (tunnel.ok) {
      socket = tunnel.socket;
      report.add('proxy', 'OK', `CONNECT ${host}:${port} through ${named}`);
      report.add('tcp', 'OK', `the proxy's tunnel to ${host}:${port} is open`);
    } else if ('status' in tunnel) {
      if (tunnel.status === 407) report.fail('proxy', 'PROXY_AUTH_REQUIRED', `${named} answered HTTP 407 to CONNECT ${host}:${port}`);
      else report.fail('proxy', 'PROXY_REFUSED', `${named} answered HTTP ${tunnel.status} to CONNECT ${host}:${port}`);
      return report.finish();
    } else {
      const classified = classifyError(tunnel.error, { viaProxy: true });
      report.fail('proxy', 'PROXY_UNREACHABLE', `${named}: ${classified?.detail ?? 'no tunnel'}`);
      return report.finish();
    }
  }

  // TLS, read without trusting it, to say why it would not be trusted.
  if (url.protocol === 'ws:') {
    socket.destroy();
    report.add('tls', 'WARN', 'ws:// without TLS (service.allowInsecure): for local testing only');
    report.add('hostname', 'SKIPPED', 'no certificate: ws://');
    report.add('expiry', 'SKIPPED', 'no certificate: ws://');
  } else {
    try {
      const facts = await inspectTls({ host, port, socket, ca, timeoutMs });
      for (const line of tlsSteps(facts, { path: 'service', target: endpoint.url, host, now: now(), caFile: endpoint.caFile })) {
        report.add(line.step as ServiceStep, line.status, line.detail, line.cause, line.fix);
      }
      if (report.failed) return report.finish();
    } catch (error) {
      report.failWith('tls', error, 'TLS_FAILED', proxy !== null);
      return report.finish();
    }
  }

  await upgradeSteps(report, options, now, proxy !== null);
  // The clock is compared whenever the service itself answered (a captive portal's Date says nothing).
  if (report.lines.some((line) => line.step === 'upgrade' && line.status === 'OK')) await clockStep(report, options, now, { ca, proxy });
  return report.finish();
}

/** The WebSocket upgrade, the subprotocol and the challenge, over a verified connection as the agent makes it. */
async function upgradeSteps(report: PathReport, options: ServicePathOptions, now: () => Date, viaProxy: boolean): Promise<void> {
  const { endpoint, timeoutMs } = options;
  const socket = new WebSocket(endpoint.url, [SUBPROTOCOL], socketOptions(endpoint, timeoutMs));
  // Listening from the start: the challenge may arrive in the same packet as the 101 answer.
  const challenge = firstFrame(socket, timeoutMs);
  const outcome = await new Promise<{ kind: 'open'; date: string | null } | { kind: 'http'; status: number } | { kind: 'error'; error: Error } | { kind: 'timeout' }>((resolve) => {
    let date: string | null = null;
    const timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
    socket.once('upgrade', (response: IncomingMessage) => {
      date = response.headers.date ?? null;
    });
    socket.once('unexpected-response', (_request, response: IncomingMessage) => {
      clearTimeout(timer);
      response.resume();
      resolve({ kind: 'http', status: response.statusCode ?? 0 });
    });
    socket.once('open', () => {
      clearTimeout(timer);
      resolve({ kind: 'open', date });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      resolve({ kind: 'error', error });
    });
  });
  try {
    if (outcome.kind === 'http') {
      if (outcome.status === 407 && viaProxy) report.fail('upgrade', 'PROXY_AUTH_REQUIRED', 'the proxy answered HTTP 407');
      else report.fail('upgrade', 'NOT_WEBSOCKET', `HTTP ${outcome.status}`);
      return;
    }
    if (outcome.kind === 'timeout') {
      report.fail('upgrade', 'TIMEOUT', `no answer to the upgrade within ${timeoutMs} ms`);
      return;
    }
    if (outcome.kind === 'error') {
      const classified = classifyError(outcome.error, { viaProxy });
      const cause = classified?.cause ?? 'NOT_WEBSOCKET';
      const step: ServiceStep = cause === 'SUBPROTOCOL_REFUSED' ? 'subprotocol' : 'upgrade';
      if (step === 'subprotocol') report.add('upgrade', 'OK', '101 Switching Protocols');
      report.fail(step, cause, classified?.detail ?? (unexpectedStatus(outcome.error) === null ? 'the upgrade failed' : outcome.error.message));
      return;
    }
    report.add('upgrade', 'OK', '101 Switching Protocols');
    if (socket.protocol !== SUBPROTOCOL) {
      report.fail('subprotocol', 'SUBPROTOCOL_REFUSED', `offered ${SUBPROTOCOL}, the service chose ${socket.protocol === '' ? 'none' : JSON.stringify(socket.protocol.slice(0, 40))}`);
      return;
    }
    report.add('subprotocol', 'OK', SUBPROTOCOL);
    const first = await challenge;
    if (first === 'challenge') report.add('challenge', 'OK', "the service sent a challenge (hello not sent: it would replace the running agent's session)");
    else report.fail('challenge', 'NO_CHALLENGE', first === null ? `no frame within ${2 * timeoutMs} ms of the upgrade request` : `the first frame was ${first}`);
    if (outcome.date !== null) clockFromDate(report, outcome.date, now(), options.maxSkewMs, "the upgrade's Date header");
  } finally {
    if (socket.readyState === WebSocket.OPEN) socket.close(1000);
    else socket.terminate();
  }
}

/** 'challenge', another frame's description, or null when nothing came in time (counted from the upgrade request). */
async function firstFrame(socket: WebSocket, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 2 * timeoutMs);
    timer.unref();
    socket.once('message', (data, isBinary) => {
      clearTimeout(timer);
      const parsed = parseServiceFrame(data as Buffer, isBinary);
      resolve(!parsed.ok ? 'not a protocol message' : parsed.message.type === 'challenge' ? 'challenge' : `a ${parsed.message.type}`);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

/**
 * The clock step: the service's time from an HTTP Date header (the upgrade's when it had one, else
 * the answer to a plain GET of the same URL), compared with this machine's.
 */
async function clockStep(report: PathReport, options: ServicePathOptions, now: () => Date, context: { ca: Buffer | undefined; proxy: string | null }): Promise<void> {
  if (report.lines.some((line) => line.step === 'clock')) return;
  const { endpoint, timeoutMs } = options;
  const target = new URL(endpoint.url);
  target.protocol = target.protocol === 'wss:' ? 'https:' : 'http:';
  const date = await new Promise<string | null>((resolve) => {
    const request = (target.protocol === 'https:' ? httpsGet : httpGet)(
      target,
      {
        timeout: timeoutMs,
        ...(context.ca === undefined ? {} : { ca: context.ca }),
        ...(context.proxy === null ? {} : { agent: proxyAgent(context.proxy, context.ca) }),
      },
      (response) => {
        response.resume();
        resolve(response.headers.date ?? null);
      },
    );
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(null));
  });
  if (date === null) report.add('clock', 'WARN', 'the service sent no Date header; the clocks were not compared', 'CLOCK_UNKNOWN');
  else clockFromDate(report, date, now(), options.maxSkewMs, 'the Date header of its HTTP answer');
}

function clockFromDate(report: PathReport, header: string, local: Date, maxSkewMs: number, source: string): void {
  const serviceTime = Date.parse(header);
  if (Number.isNaN(serviceTime)) {
    report.add('clock', 'WARN', "the service's Date header is not a date; the clocks were not compared", 'CLOCK_UNKNOWN');
    return;
  }
  // A Date header has whole seconds: the service's time lies within the second it names.
  const skewMs = local.getTime() - (serviceTime + 500);
  const seconds = Math.round(Math.abs(skewMs) / 1000);
  const direction = skewMs > 0 ? 'ahead of' : 'behind';
  if (Math.abs(skewMs) > maxSkewMs + 500) {
    report.fail('clock', 'CLOCK_SKEW', `this machine is ${seconds} s ${direction} the service (from ${source}; allowed ${Math.round(maxSkewMs / 1000)} s)`);
  } else {
    report.add('clock', 'OK', `within ${Math.max(1, seconds)} s of the service (from ${source}; allowed ${Math.round(maxSkewMs / 1000)} s)`);
  }
}
