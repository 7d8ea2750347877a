import type { OptionSpec, OptionSpecs } from './args.js';
import { CommandSpecs, type CommandName, type CommandSpec } from './command-specs.js';

/** `--config F`, or `[--json]` for an optional flag. */
function flag(name: string, spec: OptionSpec): string {
  const text = spec.type === 'string' ? `--${name} ${spec.value ?? 'VALUE'}` : `--${name}`;
  return spec.required === true ? text : `[${text}]`;
}

/** One line: `writeback-agent status --config F [--json]`. */
export function synopsis(name: string, spec: CommandSpec): string {
  return ['writeback-agent', name, ...(spec.args === undefined ? [] : [spec.args]), ...Object.entries(spec.options).map(([option, s]) => flag(option, s))].join(' ');
}

function optionLines(options: OptionSpecs): string[] {
  const rows = [
    ...Object.entries(options).map(([name, spec]) => [spec.type === 'string' ? `--${name} ${spec.value ?? 'VALUE'}` : `--${name}`, spec.help] as const),
    ['--help', 'print this help'] as const,
  ];
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`);
}

/** `writeback-agent NAME --help`: synopsis, what it does, every option it accepts. */
export function commandHelp(name: CommandName): string {
  const spec: CommandSpec = CommandSpecs[name];
  return [`Usage: ${synopsis(name, spec)}`, '', spec.summary, '', 'Options:', ...optionLines(spec.options), ...(spec.notes === undefined ? [] : ['', ...spec.notes])].join('\n');
}

/** `writeback-agent help`: one synopsis per command. */
export function generalHelp(version: string): string {
  return [
    `writeback-agent ${version}: on-premises password-writeback agent`,
    '',
    'Usage:',
    ...Object.entries(CommandSpecs).map(([name, spec]) => `  ${synopsis(name, spec)}`),
    '  writeback-agent --version',
    '',
    '--config may also come from WRITEBACK_AGENT_CONFIG. `writeback-agent COMMAND --help` describes each option.',
  ].join('\n');
}
