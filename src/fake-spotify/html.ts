/** The fake accounts service's pages: plain HTML, every value escaped. */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

/**
 * The consent page: one form per listener (one click approves) and a Cancel form, each carrying
 * the authorize request's fields as hidden inputs.
 */
export function consentPage(fields: Record<string, string>, listeners: readonly { id: string; display_name: string }[], scope: string): string {
  const hidden = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
  const buttons = listeners
    .map(
      (u) =>
        `<form method="post" action="authorize/approve">${hidden}<input type="hidden" name="user" value="${escapeHtml(u.id)}">` +
        `<button type="submit" data-user="${escapeHtml(u.id)}">Continue as ${escapeHtml(u.display_name)}</button></form>`,
    )
    .join('\n');
  const cancel = `<form method="post" action="authorize/approve">${hidden}<input type="hidden" name="deny" value="1"><button type="submit" data-deny="1">Cancel</button></form>`;
  return page(
    'Log in to the fake Spotify',
    `<p>This is an offline stand-in for Spotify. Pick a demo listener; one click approves access for <strong>Music Time Machine</strong> (${escapeHtml(scope)}).</p>\n${buttons}\n${cancel}`,
  );
}
