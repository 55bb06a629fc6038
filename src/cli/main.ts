// Entry point of the `pitwall` command (bin/pitwall.js and src/cli/run.ts call it).
import { processIo, type CliIo, type CliContext } from './context.js';
import { EXIT_CODES, reportError } from './exit-codes.js';
import { guardBrokenPipe } from './output.js';
import { createProgram } from './program.js';
import { withDotenv } from './settings.js';

/**
 * Runs `pitwall` with `argv` (the arguments after the program name) and resolves to the
 * exit status: 0 ok, 1 failure, 2 bad usage, 128+N when stopped by signal N. Errors
 * are printed as one line on `io.stderr`; this function does not throw or exit.
 *
 * @example
 * process.exitCode = await main(['simulate', '--vehicles', '3', '--duration', '1m']);
 */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  guardBrokenPipe(io.stdout);
  try {
    // Settings from `.env` reach every command through its environment.
    const context: CliContext = { io: { ...io, env: withDotenv(io.env) }, exitCode: EXIT_CODES.ok };
    await createProgram(context).parseAsync(argv, { from: 'user' });
    return context.exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}
