import { describe, expect, it } from 'vitest';
import { splitCommandLine } from './commandLine.js';

describe('splitCommandLine (--open-with)', () => {
  it('12: a double-quoted Windows path with spaces is one argument, its backslashes kept', () => {
    expect(splitCommandLine('"C:\\Program Files\\Browser\\b.exe" --new-window')).toEqual([
      'C:\\Program Files\\Browser\\b.exe',
      '--new-window',
    ]);
    expect(splitCommandLine('C:\\Windows\\notepad.exe C:\\x')).toEqual(['C:\\Windows\\notepad.exe', 'C:\\x']);
  });

  it('12: a single-quoted path with spaces is one argument', () => {
    expect(splitCommandLine("'/opt/my browser/run' -x")).toEqual(['/opt/my browser/run', '-x']);
    expect(splitCommandLine('\'a "b" \\c\'')).toEqual(['a "b" \\c']);
  });

  it('12: plain words are split on any whitespace', () => {
    expect(splitCommandLine('firefox --private-window')).toEqual(['firefox', '--private-window']);
    expect(splitCommandLine('  firefox \t --private-window\n')).toEqual(['firefox', '--private-window']);
  });

  it('12: quoted and plain parts next to each other make one argument; "" is an empty one', () => {
    expect(splitCommandLine('b.exe --profile="My Profile" x""y ""')).toEqual([
      'b.exe',
      '--profile=My Profile',
      'xy',
      '',
    ]);
  });

  it('12: \\" inside double quotes is a quote; elsewhere a backslash is literal', () => {
    expect(splitCommandLine('run "say \\"hi\\"" a\\b')).toEqual(['run', 'say "hi"', 'a\\b']);
  });

  it('12: an empty command line has no arguments', () => {
    expect(splitCommandLine('')).toEqual([]);
    expect(splitCommandLine('   ')).toEqual([]);
  });

  it('12: an unterminated quote is an error that says so', () => {
    expect(() => splitCommandLine('"C:\\Program Files\\b.exe --new-window')).toThrow(
      /unterminated double quote at character 1/,
    );
    expect(() => splitCommandLine("run 'my browser")).toThrow(/unterminated single quote at character 5/);
    expect(() => splitCommandLine('run "a\\"', '--open-with')).toThrow(
      '--open-with: unterminated double quote at character 5 of run "a\\"',
    );
  });
});
