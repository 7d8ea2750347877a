import { TARGET_KINDS, type TargetKind } from '../../protocol/index.js';
import { html, type Html } from '../portal/html.js';
import type { Tenant } from '../store/tenants.js';
import type { CommandLine } from './helpdesk-queries.js';
import { HELPDESK_PREFIX } from './helpdesk-session.js';

/** Served at /helpdesk/helpdesk.css (the CSP allows no inline style). */
export const HELPDESK_CSS = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
form{margin:1rem 0;padding:1rem;border:1px solid #ccc;border-radius:6px}label{display:block;margin:.5rem 0 .2rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}
.refused{border-left:4px solid #b00020;padding-left:.8rem}.done{border-left:4px solid #1b7f3b;padding-left:.8rem}code{word-break:break-all}`;

function layout(title: string, body: Html, refreshSeconds: number | null = null): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        ${refreshSeconds === null ? '' : html`<meta http-equiv="refresh" content="${refreshSeconds}" />`}
        <title>${title}</title>
        <link rel="stylesheet" href="${HELPDESK_PREFIX}/helpdesk.css" />
      </head>
      <body>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`.text;
}

function signOut(csrf: string): Html {
  return html`<form method="post" action="${HELPDESK_PREFIX}/sign-out"><input type="hidden" name="csrf" value="${csrf}" /><button type="submit">Sign out</button></form>`;
}

export function signInPage(nonce: string, note: string | null): string {
  return layout(
    'Help desk sign-in',
    html`${note === null ? '' : html`<p class="refused" role="alert">${note}</p>`}
      <form method="post" action="${HELPDESK_PREFIX}/sign-in">
        <input type="hidden" name="nonce" value="${nonce}" />
        <label for="token">Help desk token</label><input type="password" id="token" name="token" autocomplete="off" required maxlength="200" />
        <button type="submit">Sign in</button>
      </form>`,
  );
}

export function tenantsPage(operator: string, csrf: string, tenants: Tenant[]): string {
  return layout(
    'Help desk',
    html`<p>Signed in as ${operator}. Choose a tenant:</p>
      <ul>
        ${tenants.map((t) => html`<li><a href="${HELPDESK_PREFIX}/t/${encodeURIComponent(t.name)}">${t.name}</a></li>`)}
      </ul>
      ${signOut(csrf)}`,
  );
}

/** `by`: the kind the tenant's agents' directories name users by; null (unknown or mixed) makes the operator choose. */
function userFields(id: string, by: TargetKind | null): Html {
  return html`<label for="${id}-by">Find the user by</label
    ><select id="${id}-by" name="by" required>
      ${by === null ? html`<option value="" selected>(choose)</option>` : ''} ${TARGET_KINDS.map((kind) => html`<option value="${kind}" ${kind === by ? html`selected` : ''}>${kind}</option>`)}</select
    ><label for="${id}-user">User</label><input type="text" id="${id}-user" name="user" required maxlength="1024" />`;
}

export function tenantPage(tenant: Tenant, csrf: string, note: string | null, by: TargetKind | null): string {
  const base = `${HELPDESK_PREFIX}/t/${encodeURIComponent(tenant.name)}`;
  const hidden = (action: string) => html`<input type="hidden" name="csrf" value="${csrf}" /><input type="hidden" name="action" value="${action}" />`;
  return layout(
    `Help desk: ${tenant.name}`,
    html`${note === null ? '' : html`<p class="refused" role="alert">${note}</p>`}
      <p><a href="${base}/commands">Recent commands and results</a> · <a href="${HELPDESK_PREFIX}">Other tenants</a></p>
      <form method="post" action="${base}/submit" aria-label="Reset a password">
        <h2>Reset a password</h2>
        ${hidden('reset')} ${userFields('reset', by)}
        <label for="password">New password (leave empty to generate one)</label><input type="password" id="password" name="password" autocomplete="new-password" maxlength="256" />
        <label><input type="checkbox" name="force" value="yes" /> Must change at next sign-in</label>
        <button type="submit">Reset</button>
      </form>
      <form method="post" action="${base}/submit" aria-label="Unlock an account">
        <h2>Unlock an account</h2>
        ${hidden('unlock')} ${userFields('unlock', by)}
        <button type="submit">Unlock</button>
      </form>
      <form method="post" action="${base}/submit" aria-label="Account state">
        <h2>Account state</h2>
        ${hidden('state')} ${userFields('state', by)}
        <button type="submit">Show state</button>
      </form>
      <form method="post" action="${base}/submit" aria-label="Check the agent's permissions">
        <h2>Check the agent's permissions</h2>
        ${hidden('permissions')}
        <button type="submit">Check permissions</button>
      </form>`,
  );
}

/** The only page that ever shows a generated password; it is not stored, so a reload cannot show it again. */
export function generatedPage(tenant: Tenant, commandId: string, password: string): string {
  const base = `${HELPDESK_PREFIX}/t/${encodeURIComponent(tenant.name)}`;
  return layout(
    'Generated password',
    html`<p class="done">Give this password to the user now; it is shown once and never again.</p>
      <p><code id="generated">${password}</code></p>
      <p>Command <code>${commandId}</code>. <a href="${base}/commands">Follow its result</a></p>`,
  );
}

function seconds(from: string, to: string | undefined): string {
  if (to === undefined) return '';
  return `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(2)} s`;
}

export function commandsPage(tenant: Tenant, lines: CommandLine[]): string {
  const base = `${HELPDESK_PREFIX}/t/${encodeURIComponent(tenant.name)}`;
  return layout(
    `Commands: ${tenant.name}`,
    html`<p><a href="${base}">New command</a> · this page refreshes every 3 seconds</p>
      <table>
        <thead>
          <tr>
            <th>Issued</th>
            <th>Operation</th>
            <th>User</th>
            <th>By</th>
            <th>State</th>
            <th>Code</th>
            <th>Message</th>
            <th>Took</th>
          </tr>
        </thead>
        <tbody>
          ${lines.map(
            (line) =>
              html`<tr data-command="${line.id}">
                <td>${line.issuedAt}</td>
                <td>${line.op}</td>
                <td>${line.target?.value ?? ''}</td>
                <td>${line.submittedBy}</td>
                <td>${line.state}</td>
                <td class="code">${line.result?.code ?? ''}</td>
                <td>
                  ${line.result?.message ?? ''}${
                    line.result === null || Object.keys(line.result.details).length === 0
                      ? ''
                      : html`<details>
                          <summary>Details</summary>
                          <pre>${JSON.stringify(line.result.details, null, 2)}</pre>
                        </details>`
                  }
                </td>
                <td>${seconds(line.issuedAt, line.result?.completedAt)}</td>
              </tr>`,
          )}
        </tbody>
      </table>`,
    3,
  );
}
