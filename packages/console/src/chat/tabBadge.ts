/**
 * The tab's title and icon carry the number of unread messages: "(2) Devices · Parley" and the icon with a red
 * badge. Pages set their own title with `setPageTitle`; whoever counts unread messages calls `setUnreadCount`.
 */

/** "(n) title", or the title alone when nothing is unread. */
export function badgeTitle(title: string, unread: number): string {
  return unread > 0 ? `(${unread > 99 ? '99+' : unread}) ${title}` : title;
}

/** What the badge on the icon says: up to 9, then "9+". */
export function badgeText(unread: number): string {
  return unread > 9 ? '9+' : String(Math.max(0, Math.floor(unread)));
}

/** Parley's icon (public/favicon.svg) with a red badge holding the count, as an SVG data URL. */
export function badgeFavicon(unread: number): string {
  const text = badgeText(unread);
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
    '<rect width="32" height="32" rx="8" fill="#2450c4"/>' +
    '<path d="M8 9.5h12a2.5 2.5 0 0 1 2.5 2.5v6a2.5 2.5 0 0 1-2.5 2.5h-7l-4 3.5v-3.5H8A2.5 2.5 0 0 1 5.5 18v-6A2.5 2.5 0 0 1 8 9.5Z" fill="#fff"/>' +
    '<circle cx="23" cy="9" r="9" fill="#d92d20" stroke="#fff" stroke-width="1.5"/>' +
    `<text x="23" y="13" text-anchor="middle" font-family="Arial,Helvetica,sans-serif" font-weight="700" font-size="${text.length > 1 ? 10 : 12}" fill="#fff">${text}</text>` +
    '</svg>';
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

let pageTitle: string | null = null;
let unreadCount = 0;
let originalIcon: string | null = null;

function iconLink(): HTMLLinkElement | null {
  return document.querySelector<HTMLLinkElement>('link[rel~="icon"]');
}

function apply(): void {
  if (typeof document === 'undefined') return;
  if (pageTitle === null) pageTitle = document.title;
  document.title = badgeTitle(pageTitle, unreadCount);
  const link = iconLink();
  if (!link) return;
  if (originalIcon === null) originalIcon = link.getAttribute('href') ?? '/favicon.svg';
  const href = unreadCount > 0 ? badgeFavicon(unreadCount) : originalIcon;
  if (link.getAttribute('href') !== href) link.setAttribute('href', href);
}

/** The page's own title, without the count. */
export function setPageTitle(title: string): void {
  pageTitle = title;
  apply();
}

/** How many messages are unread in this tab (0 puts the plain title and icon back). */
export function setUnreadCount(count: number): void {
  const next = Math.max(0, Math.floor(count));
  if (next === unreadCount && pageTitle !== null) return;
  unreadCount = next;
  apply();
}
