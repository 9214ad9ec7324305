import type { AgentPackage } from '@parley/protocol';

export type DeviceOs = 'linux' | 'macos' | 'windows';

export const DEVICE_OSES: readonly { os: DeviceOs; name: string; shell: string }[] = [
  { os: 'linux', name: 'Linux', shell: 'a terminal (bash or zsh)' },
  { os: 'macos', name: 'macOS', shell: 'Terminal' },
  { os: 'windows', name: 'Windows', shell: 'PowerShell, run as administrator' },
];

export interface InstallFacts {
  /** The server, as the device reaches it (the console's origin). */
  origin: string;
  /** The enrollment token, put where no other user of the device can read it: standard input. */
  token: string;
  agentPackage: AgentPackage;
  /** Where the credential goes, when not the agent's default (tests). */
  config?: string;
}

const posixQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
const powershellQuote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * One line that downloads the agent package from this server into a private temporary folder, checks its SHA-256,
 * installs it with npm for every user and enrolls the device. The token reaches `parley-agent enroll --token -` on
 * its standard input, from the shell's own `echo` (or PowerShell's pipeline): never a process's command line,
 * which every user of the device can read (ps).
 */
export function installCommand(os: DeviceOs, { origin, token, agentPackage, config }: InstallFacts): string {
  const url = new URL(agentPackage.url, origin).href;
  const configOption = config
    ? ` --config ${os === 'windows' ? powershellQuote(config) : posixQuote(config)}`
    : '';
  if (os === 'windows') {
    return [
      `$f = Join-Path ([IO.Path]::GetTempPath()) ([IO.Path]::GetRandomFileName() + '.tgz')`,
      `Invoke-WebRequest ${powershellQuote(url)} -OutFile $f`,
      `if ((Get-FileHash $f -Algorithm SHA256).Hash -ne ${powershellQuote(agentPackage.sha256)}) { throw 'parley-agent: the download is damaged (SHA-256 differs)' }`,
      'npm install --global $f',
      `${powershellQuote(token)} | parley-agent enroll --server ${powershellQuote(origin)} --token -${configOption}`,
    ].join('; ');
  }
  const check = os === 'macos' ? 'shasum -a 256 -c' : 'sha256sum -c';
  return [
    'd=$(mktemp -d)',
    `curl -fsSL -o "$d/parley-agent.tgz" ${posixQuote(url)}`,
    `echo ${posixQuote(`${agentPackage.sha256}  `)}"$d/parley-agent.tgz" | ${check} -`,
    'sudo npm install --global "$d/parley-agent.tgz"',
    `echo ${posixQuote(token)} | sudo parley-agent enroll --server ${posixQuote(origin)} --token -${configOption}`,
  ].join(' && ');
}

/** Then, on any of them: the agent in the foreground (README: "Running the agent as a service" for a service). */
export const RUN_COMMAND = 'parley-agent run';
