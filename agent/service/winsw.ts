import { AGENT_VERSION } from '../runtime/version.js';
import { ServiceDefaults } from './service-defaults.js';

export interface WinswOptions {
  id: string;
  nodePath: string;
  binPath: string;
  configPath: string;
  /** WinSW's own log directory (stdout/stderr of node); `%ProgramData%` is expanded by WinSW. */
  logPath: string;
  /** `DOMAIN\user`, `DOMAIN\gmsa$` or `NT AUTHORITY\LocalService`; null = LocalSystem (WinSW's default). */
  serviceAccount: string | null;
}

/** XML 1.0 forbids most control characters even as references; no path or name needs them. */
function hasForbiddenCharacter(value: string): boolean {
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0xfffe || code === 0xffff) return true;
  }
  return false;
}

/** Escapes text for an XML element or a double-quoted attribute. */
export function xmlEscape(value: string): string {
  if (hasForbiddenCharacter(value)) throw new TypeError('a control character cannot be written to the WinSW XML');
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** A comment's text may not contain `--`; used for fixed text only, but checked all the same. */
function comment(text: string): string {
  if (text.includes('--')) throw new TypeError('an XML comment cannot contain "--"');
  return `<!-- ${text} -->`;
}

/**
 * The WinSW v3 service configuration. Each argument is its own `<argument>` element: WinSW quotes
 * them itself, so paths with spaces need no quotes of ours (and must not get any).
 */
export function winswXml(options: WinswOptions): string {
  const e = xmlEscape;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    comment(`Written by writeback-agent install-service ${AGENT_VERSION}. WinSW reads it from beside the renamed WinSW-x64.exe (${options.id}.exe).`),
    '<service>',
    `  <id>${e(options.id)}</id>`,
    `  <name>${e(options.id)}</name>`,
    '  <description>writeback-agent: applies signed password reset commands from the reset service to the directory.</description>',
    `  <executable>${e(options.nodePath)}</executable>`,
    ...[...ServiceDefaults.runNodeFlags, options.binPath, 'run', '--config', options.configPath].map((arg) => `  <argument>${e(arg)}</argument>`),
    `  <env name="WRITEBACK_AGENT_CONFIG" value="${e(options.configPath)}"/>`,
    '  <startmode>Automatic</startmode>',
    '  <delayedAutoStart>true</delayedAutoStart>',
    `  ${comment('WinSW sends Ctrl+C (SIGINT to node) first; the agent exits within 10 s, so 15 s leaves margin.')}`,
    `  <stoptimeout>${ServiceDefaults.stopTimeoutSec} sec</stoptimeout>`,
    '  <onfailure action="restart" delay="10 sec"/>',
    '  <onfailure action="restart" delay="30 sec"/>',
    '  <onfailure action="restart" delay="60 sec"/>',
    '  <resetfailure>1 hour</resetfailure>',
    `  <logpath>${e(options.logPath)}</logpath>`,
    '  <log mode="roll-by-size">',
    '    <sizeThreshold>10240</sizeThreshold>',
    '    <keepFiles>8</keepFiles>',
    '  </log>',
    ...(options.serviceAccount === null
      ? [`  ${comment('No serviceaccount: LocalSystem. Prefer a gMSA (DOMAIN\\name$) or NT AUTHORITY\\LocalService, named by the user option of install-service.')}`]
      : ['  <serviceaccount>', `    <username>${e(options.serviceAccount)}</username>`, '    <allowservicelogon>true</allowservicelogon>', '  </serviceaccount>']),
    '</service>',
  ];
  return `${lines.join('\r\n')}\r\n`;
}
