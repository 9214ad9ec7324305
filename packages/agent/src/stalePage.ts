/**
 * What the end user's browser shows for a chat page the agent no longer serves (the chat ended, or the link is from
 * an older start): a plain page in the end-user page's look, with a language, a title and a heading, saying what
 * happened and what to do. No script; its one style is inline, allowed by its own policy.
 */
export const STALE_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export const STALE_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>This chat has ended · Help desk</title>
<style>
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b2330; background: #f4f6f9; }
  main { max-width: 36rem; margin: 12vh auto 0; padding: 28px 32px; background: #fff; border: 1px solid #d8dee6; border-radius: 12px; }
  h1 { margin: 0 0 12px; font-size: 22px; }
  p { margin: 0 0 10px; }
  .brand { margin-bottom: 16px; font-weight: 700; color: #1c419f; }
</style>
</head>
<body>
<main>
  <p class="brand">Help desk chat</p>
  <h1>This chat has ended</h1>
  <p>The link you opened belongs to a chat that is over, or that this computer no longer shows.</p>
  <p>You can close this window. If you still need help, contact your help desk: they can start a new chat, and it
  opens in a new window on your screen.</p>
</main>
</body>
</html>
`;
