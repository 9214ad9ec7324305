import { type ExecFileException, execFile } from 'node:child_process';
import { constants } from 'node:os';

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

export type CommandRunner = (
  command: string,
  args: string[],
  options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number },
) => Promise<CommandResult>;

export const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;

/** Exit code used (as by shells) when the program could not be found. */
export const EXIT_NOT_FOUND = 127;
/** Exit code used (as by shells) when the program exists but could not be executed. */
export const EXIT_NOT_EXECUTABLE = 126;
/** Exit code used (as by coreutils `timeout`) when the command was killed after its time limit. */
export const EXIT_TIMED_OUT = 124;

const MAX_BUFFER_BYTES = 4 * 1024 * 1024;

function appendLine(text: string, line: string): string {
  if (text === '') return line;
  return text.endsWith('\n') ? `${text}${line}` : `${text}\n${line}`;
}

function signalExitCode(signal: NodeJS.Signals | null | undefined): number {
  if (!signal) return 1;
  const signalNumber: number | undefined = constants.signals[signal];
  return signalNumber === undefined ? 1 : 128 + signalNumber;
}

function failureResult(
  command: string,
  error: ExecFileException,
  stdout: string,
  stderr: string,
  timeoutMs: number,
): CommandResult {
  if (typeof error.code === 'number') return { stdout, stderr, code: error.code };
  if (error.code === 'ENOENT') {
    return { stdout, stderr: appendLine(stderr, error.message), code: EXIT_NOT_FOUND };
  }
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    return { stdout, stderr: appendLine(stderr, error.message), code: EXIT_NOT_EXECUTABLE };
  }
  if (error.killed && typeof error.code !== 'string') {
    // execFile kills the child on timeout; it is then reported with a signal and no exit code.
    return {
      stdout,
      stderr: appendLine(stderr, `${command} timed out after ${timeoutMs} ms`),
      code: EXIT_TIMED_OUT,
    };
  }
  if (error.signal) {
    return {
      stdout,
      stderr: appendLine(stderr, `${command} was terminated by ${error.signal}`),
      code: signalExitCode(error.signal),
    };
  }
  // Anything else (e.g. ERR_CHILD_PROCESS_STDIO_MAXBUFFER): a generic failure with the reason.
  return { stdout, stderr: appendLine(stderr, error.message), code: 1 };
}

/**
 * Runs a program directly (no shell, so arguments are never interpreted) and resolves with its output and
 * exit code. It never rejects for a failing command: a non-zero exit resolves with that code, a missing
 * program resolves with 127 and the error text in stderr, and a timeout resolves with 124.
 */
export const runCommand: CommandRunner = (command, args, options = {}) => {
  const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  return new Promise<CommandResult>((resolve) => {
    execFile(
      command,
      args,
      {
        env: options.env ?? process.env,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        encoding: 'utf8',
        windowsHide: true,
        maxBuffer: MAX_BUFFER_BYTES,
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr, code: 0 });
          return;
        }
        resolve(failureResult(command, error, stdout, stderr, timeoutMs));
      },
    );
  });
};
