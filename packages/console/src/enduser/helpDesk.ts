/**
 * The end-user page's title: whose help desk is talking ("Acme help desk"). An organisation whose name already says
 * it ("IT Help Desk") is used as it is, and without one the page says "Help desk".
 */
export function helpDeskTitle(organization: string | null): string {
  const name = organization?.trim() ?? '';
  if (!name) return 'Help desk';
  if (/\b(help\s*-?\s*desk|service\s*desk|support)\s*$/i.test(name)) return name;
  return `${name} help desk`;
}
