// The CLI dispatcher: finds the command, parses its options (strict: an unknown option is a usage error), answers
// `--help`, validates the configuration, opens the gateway's dependencies only when the command asks for them,
// and turns whatever is thrown into one line on stderr and an exit code (exit-codes.ts). main.ts wires it to the
// process; tests call runCli with their own environment and streams.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { AppError } from '../errors.js';
import { closeDeps, openDeps, type Deps } from '../deps.js';
import { AccessRulesError } from '../forward-auth/access-rules.js';
import { createLogger } from '../logger.js';
import { DeploymentIdpsError } from '../sso/deployment-idps.js';
import { commandHelp, type CliIo, type Command } from './command.js';
import { COMMANDS } from './commands/index.js';
import { CliError, EXIT, EXIT_CODES_HELP, exitCodeFor, type ExitCode } from './exit-codes.js';

export function overallHelp(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: npm run admin -- <command> [options]    (in the image: node dist/admin.mjs <command>)',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    '`<command> --help` describes its options; commands that list things take --json.',
    'The configuration comes from the same GATEWAY_* environment as the gateway.',
    EXIT_CODES_HELP,
    '',
  ].join('\n');
}

function describeError(err: unknown): string {
  if (err instanceof AccessRulesError || err instanceof DeploymentIdpsError) return err.message;
  if (err instanceof CliError || err instanceof AppError) return err.message;
  if (exitCodeFor(err) === EXIT.DEPENDENCY_DOWN) {
    const code = (err as { code?: unknown }).code;
    return `a dependency is down (database or Redis)${typeof code === 'string' ? `: ${code}` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}

export async function runCli(argv: readonly string[], io: CliIo, commands: readonly Command[] = COMMANDS): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(overallHelp(commands));
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`unknown command "${name}"\n${overallHelp(commands)}`);
    return EXIT.USAGE;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
    for (const [key, spec] of Object.entries(command.options)) options[key] = { type: spec.type };
    if (command.lists) options.json = { type: 'boolean' };
    values = parseArgs({ args: [...rest], options, strict: true, allowPositionals: false }).values as typeof values;
  } catch (err) {
    io.stderr(`${command.name}: ${err instanceof Error ? err.message : String(err)}\n${commandHelp(command)}`);
    return EXIT.USAGE;
  }
  if (values.help === true) {
    io.stdout(commandHelp(command));
    return EXIT.OK;
  }
  const missing = Object.entries(command.options).filter(([key, spec]) => spec.required && (typeof values[key] !== 'string' || values[key] === ''));
  if (missing.length > 0) {
    io.stderr(`${command.name}: ${missing.map(([key]) => `--${key}`).join(', ')} required\n${commandHelp(command)}`);
    return EXIT.USAGE;
  }
  const result = loadConfig(io.env);
  if (!result.ok) {
    io.stderr(`invalid configuration:\n${result.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    return EXIT.FAILURE;
  }
  const config = result.config;
  const opened: { deps: Promise<Deps> | null } = { deps: null };
  try {
    return await command.run({
      config,
      options: values,
      json: values.json === true,
      io,
      // Domain log lines go to stderr at warn and above, so stdout stays the command's answer (and --json parses).
      deps: () => (opened.deps ??= openDeps(config, { logger: createLogger('warn', { write: (line: string) => io.stderr(line) }) })),
    });
  } catch (err) {
    io.stderr(`${command.name}: ${describeError(err)}\n`);
    return exitCodeFor(err);
  } finally {
    if (opened.deps) await opened.deps.then(closeDeps, () => undefined);
  }
}
