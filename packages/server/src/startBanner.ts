/** What `npm start` prints for people once the server listens. */
export interface StartFacts {
  url: string;
  admin: { created: boolean; generatedPassword: string | null };
  /** The demo agent's device, when it runs. */
  demoDevice: string | null;
  /** Where the JSON logs go; null when they go to standard output. */
  logFile: string | null;
}

/** How to set a new password for admin, from the repository (`npx`) or where parley is installed. */
export const RESET_ADMIN_PASSWORD = 'npx parley operator passwd admin';

export function startBanner(facts: StartFacts): string {
  const lines = ['', `  Parley is running: ${facts.url}`, ''];
  if (facts.admin.generatedPassword) {
    lines.push(
      `  Sign in as admin with password: ${facts.admin.generatedPassword}`,
      `  This is the only time it is shown: keep it. To set another one later: ${RESET_ADMIN_PASSWORD}`,
    );
  } else if (facts.admin.created) {
    lines.push('  Sign in as admin with the password in PARLEY_ADMIN_PASSWORD.');
  } else {
    lines.push(
      '  Sign in as admin with the password shown at the first start.',
      `  Lost it? Set a new one (it asks for it): ${RESET_ADMIN_PASSWORD}`,
    );
  }
  if (facts.demoDevice) {
    lines.push(
      '',
      `  Demo device: ${facts.demoDevice} (this machine, with you logged on). In Devices, open its Actions menu,`,
      '  then Direct Access > Instant Messaging, to chat with yourself.',
    );
  }
  if (facts.logFile)
    lines.push('', `  Logs (JSON): ${facts.logFile}   (PARLEY_LOG_FORMAT=json prints them here)`);
  lines.push('');
  return `${lines.join('\n')}\n`;
}
