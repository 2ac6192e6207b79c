// What every CLI command is: a name, its help, its options (node:util parseArgs), and a run function that gets a
// context (validated config, parsed options, lazily opened Deps, output helpers) and returns an exit code.
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import { usageError, type ExitCode } from './exit-codes.js';

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of standard input (`create-user --stdin`, `reset-password --stdin`). */
  readStdin(): Promise<string>;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  /** Shown in the usage line as `--name VALUE`. */
  value?: string;
  required?: boolean;
}

export interface CommandContext {
  config: Config;
  options: Readonly<Record<string, string | boolean | undefined>>;
  /** `--json` was given (commands that list things). */
  json: boolean;
  io: CliIo;
  /** Opens the gateway's dependencies once (storage, ephemeral state, keys); the dispatcher closes them. */
  deps(): Promise<Deps>;
}

export interface Command {
  name: string;
  summary: string;
  /** Longer explanation for `<command> --help`. */
  help?: string;
  options: Readonly<Record<string, OptionSpec>>;
  /** Offers `--json` (machine-readable output). */
  lists?: boolean;
  run(ctx: CommandContext): Promise<ExitCode>;
}

export function defineCommand(command: Command): Command {
  return command;
}

export function stringOption(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.options[name];
  return typeof value === 'string' ? value : undefined;
}

export function requireOption(ctx: CommandContext, name: string): string {
  const value = stringOption(ctx, name);
  if (value === undefined || value.length === 0) throw usageError(`--${name} is required`);
  return value;
}

/** One JSON document, or lines of tab-separated fields. */
export function printList<T>(ctx: CommandContext, key: string, items: T[], line: (item: T) => string[]): void {
  if (ctx.json) {
    ctx.io.stdout(`${JSON.stringify({ [key]: items }, null, 2)}\n`);
    return;
  }
  for (const item of items) ctx.io.stdout(`${line(item).join('\t')}\n`);
}

export function usageLine(command: Command): string {
  const parts = Object.entries(command.options).map(([name, spec]) => {
    const text = spec.type === 'string' ? `--${name} ${spec.value ?? 'VALUE'}` : `--${name}`;
    return spec.required ? text : `[${text}]`;
  });
  if (command.lists) parts.push('[--json]');
  return `npm run admin -- ${command.name}${parts.length ? ` ${parts.join(' ')}` : ''}`;
}

export function commandHelp(command: Command): string {
  const lines = [`usage: ${usageLine(command)}`, '', command.summary];
  if (command.help) lines.push('', command.help);
  const options = Object.entries(command.options).map(([name, spec]) => `  --${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}\t${spec.description}`);
  if (command.lists) options.push('  --json\tmachine-readable output (one JSON document)');
  options.push('  --help\tthis text');
  lines.push('', 'options:', ...options);
  return `${lines.join('\n')}\n`;
}
