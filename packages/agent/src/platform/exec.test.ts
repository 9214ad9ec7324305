import { describe, expect, it } from 'vitest';
import { DEFAULT_COMMAND_TIMEOUT_MS, EXIT_NOT_FOUND, EXIT_TIMED_OUT, runCommand } from './exec.js';

const node = process.execPath;

describe('runCommand', () => {
  it('resolves with stdout, stderr and code 0', async () => {
    const result = await runCommand(node, ['-e', 'process.stdout.write("out"); process.stderr.write("err")']);
    expect(result).toEqual({ stdout: 'out', stderr: 'err', code: 0 });
  });

  it('passes arguments verbatim, without a shell', async () => {
    const tricky = 'a & b; $(echo no) "quoted" `x` %PATH%';
    const result = await runCommand(node, ['-e', 'process.stdout.write(process.argv[1])', tricky]);
    expect(result.stdout).toBe(tricky);
  });

  it('resolves (does not reject) with a non-zero exit code', async () => {
    const result = await runCommand(node, [
      '-e',
      'process.stderr.write("No User exists for *\\n"); process.exit(1)',
    ]);
    expect(result).toEqual({ stdout: '', stderr: 'No User exists for *\n', code: 1 });
  });

  it('resolves a missing program with code 127 and the error in stderr', async () => {
    const result = await runCommand('parley-no-such-program-xyz', ['--version']);
    expect(result.code).toBe(EXIT_NOT_FOUND);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('ENOENT');
    expect(result.stderr).toContain('parley-no-such-program-xyz');
  });

  it('uses the given environment', async () => {
    const result = await runCommand(
      node,
      ['-e', 'process.stdout.write(process.env.PARLEY_TEST ?? "unset")'],
      {
        env: { ...process.env, PARLEY_TEST: 'from-env' },
      },
    );
    expect(result.stdout).toBe('from-env');
  });

  it('kills a command that outlives its timeout and resolves with 124', async () => {
    const started = Date.now();
    // sh, not node: a loaded machine can take longer than the timeout to start node, and then nothing is written.
    const result = await runCommand('/bin/sh', ['-c', 'printf partial; exec sleep 60'], { timeoutMs: 1000 });
    expect(result.code).toBe(EXIT_TIMED_OUT);
    expect(result.stdout).toBe('partial');
    expect(result.stderr).toContain('timed out after 1000 ms');
    expect(Date.now() - started).toBeLessThan(DEFAULT_COMMAND_TIMEOUT_MS);
  });
});
