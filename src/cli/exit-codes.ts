// Exit statuses and the one-line error report: expected errors print their message,
// never a stack; anything else is a bug and says how to see its stack.
import { CommanderError } from 'commander';
import { ERROR_CODES, isPitwallError, type ErrorCode } from '../errors.js';
import { writeLine, type CliIo } from './context.js';

export const EXIT_CODES = {
  ok: 0,
  /** Something failed while doing the work (I/O, a broken profile, a bug). */
  failure: 1,
  /** What was typed is wrong: an option, an argument, a scenario named on the command line. */
  usage: 2,
} as const;

/** Errors the user fixes by changing what they typed. */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set([
  ERROR_CODES.usage,
  ERROR_CODES.scenario,
  ERROR_CODES.config,
]);

/** Commander's codes for help and version output, which are not errors. */
const HELP_CODES: ReadonlySet<string> = new Set([
  'commander.help',
  'commander.helpDisplayed',
  'commander.version',
]);

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ');
}

/** Prints `error` as one line on stderr and returns the exit status it calls for. */
export function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Help was already printed (to stderr when it stands in for a missing command).
    if (HELP_CODES.has(error.code)) return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    writeLine(io.stderr, `pitwall: ${oneLine(error.message.replace(/^error: /, ''))}`);
    return EXIT_CODES.usage;
  }
  if (isPitwallError(error)) {
    writeLine(io.stderr, `pitwall: ${oneLine(error.message)}`);
    return USAGE_CODES.has(error.code) ? EXIT_CODES.usage : EXIT_CODES.failure;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (io.env['PITWALL_DEBUG'] === '1') {
    writeLine(io.stderr, `pitwall: unexpected error: ${oneLine(message)}`);
    writeLine(io.stderr, error instanceof Error ? (error.stack ?? message) : message);
  } else {
    writeLine(
      io.stderr,
      `pitwall: unexpected error: ${oneLine(message)} (set PITWALL_DEBUG=1 to see where)`,
    );
  }
  return EXIT_CODES.failure;
}
