import type { Result } from '../../protocol/index.js';
import { html, type Html } from '../../service/portal/html.js';
import type { CommandRow } from './command-log.js';
import { CHANNEL_LABEL, type OutboxMessage } from './outbox.js';
import type { IdentityMethod } from './one-time-codes.js';
import type { Outcome, WebSession } from './web-session.js';

/** Times on the page: one zone for everybody, said out loud. */
export function formatWhen(value: Date | string, locale = 'en-GB'): string {
  return `${new Date(value).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })} UTC`;
}

export function layout(title: string, body: Html, options: { outbox?: OutboxMessage[]; wide?: boolean; area?: string } = {}): string {
  const aside = options.outbox === undefined ? '' : outboxPanel(options.outbox);
  return `<!doctype html>${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Password self-service (demo)</title>
        <link rel="stylesheet" href="/app.css" />
        <script src="/app.js" defer></script>
      </head>
      <body>
        <header class="top"><strong>Password self-service</strong><span>${options.area ?? 'SIM domain · writeback-agent demo'}</span></header>
        <div class="layout${options.wide === true ? ' wide' : ''}">
          <main id="main">${body}</main>
          ${aside === '' ? '' : aside}
        </div>
      </body>
    </html>`.text
  }`;
}

function outboxPanel(messages: OutboxMessage[]): Html {
  return html`<aside aria-labelledby="outbox-title">
    <h2 id="outbox-title">Outbox (simulated)</h2>
    <p class="code">There is no mail or SMS gateway in this demo: the messages sent to you appear here.</p>
    <div id="outbox-messages" aria-live="polite">
      ${
        messages.length === 0
          ? html`<p>No messages yet.</p>`
          : [...messages].reverse().map(
              (m) =>
                html`<div class="msg">
                  <div class="meta">${CHANNEL_LABEL[m.channel]} to ${m.to} at ${formatWhen(m.at)}</div>
                  <div>${m.text}</div>
                </div>`,
            )
      }
    </div>
  </aside>`;
}

export function outboxJson(messages: OutboxMessage[]): { channelLabel: string; to: string; time: string; text: string }[] {
  return [...messages].reverse().map((m) => ({ channelLabel: CHANNEL_LABEL[m.channel], to: m.to, time: formatWhen(m.at), text: m.text }));
}

const csrfField = (session: WebSession): Html => html`<input type="hidden" name="csrf" value="${session.csrf}" />`;

function flash(session: WebSession): Html | string {
  const notice = session.flash;
  session.flash = null;
  return notice === null ? '' : html`<div class="notice ${notice.kind}" role="alert">${notice.text}</div>`;
}

function steps(current: number): Html {
  const names = ['Your account', 'Verify it is you', 'Your password', 'Done'];
  return html`<ol class="steps" aria-label="Progress">
    ${names.map((name, i) => (i === current ? html`<li aria-current="step">${name}</li>` : html`<li>${name}</li>`))}
  </ol>`;
}

export function startPage(session: WebSession): string {
  const intent = session.intent;
  return layout(
    'Start',
    html`${steps(0)}
      <h1>Forgot your password, or locked out?</h1>
      <p class="lead">Reset your password or unlock your account yourself. We check it is you first.</p>
      ${flash(session)}
      <form method="post" action="/start">
        ${csrfField(session)}
        <label for="username">Username</label>
        <input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus value="${session.username ?? ''}" />
        <fieldset>
          <legend>What do you need?</legend>
          <label><input type="radio" name="intent" value="reset" ${intent === 'reset' ? html` checked` : ''} /> Set a new password (I forgot mine)</label>
          <label><input type="radio" name="intent" value="unlock" ${intent === 'unlock' ? html` checked` : ''} /> Unlock my account only (I know my password)</label>
        </fieldset>
        <button type="submit">Continue</button>
      </form>
      <p class="code"><a href="/admin">Help desk and administrators</a></p>`,
    { outbox: session.outbox },
  );
}

export function verifyPage(session: WebSession, methods: readonly IdentityMethod[], required: number, masked: Record<IdentityMethod, string>): string {
  const left = required - session.verified.size;
  const sentLabel: Record<IdentityMethod, string> = { email: 'Email me a code', sms: 'Text me a code' };
  const codeLabel: Record<IdentityMethod, string> = { email: 'Code from the email', sms: 'Code from the text message' };
  return layout(
    'Verify it is you',
    html`${steps(1)}
      <h1>Verify it is you, ${session.username ?? ''}</h1>
      <p class="lead">${required === 1 ? 'Confirm one of the ways we can reach you.' : `Confirm ${required} of the ways we can reach you.`} ${left > 0 && required > 1 ? `${left} to go.` : ''}</p>
      ${flash(session)}
      ${methods.map((method) =>
        session.verified.has(method)
          ? html`<div class="notice ok">${CHANNEL_LABEL[method]} to ${masked[method]}: verified.</div>`
          : html`<section aria-labelledby="m-${method}">
              <h2 id="m-${method}">${CHANNEL_LABEL[method]} to ${masked[method]}</h2>
              <form method="post" action="/send-code" class="inline">
                ${csrfField(session)}<input type="hidden" name="method" value="${method}" /><button type="submit" class="secondary">
                  ${session.codes.has(method) ? 'Send a new code' : sentLabel[method]}
                </button>
              </form>
              ${
                session.codes.has(method)
                  ? html`<form method="post" action="/verify-code">
                      ${csrfField(session)}<input type="hidden" name="method" value="${method}" />
                      <label for="code-${method}">${codeLabel[method]}</label>
                      <input type="text" id="code-${method}" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus />
                      <button type="submit">Verify</button>
                    </form>`
                  : ''
              }
            </section>`,
      )}
      <p><a href="/">Start again</a></p>`,
    { outbox: session.outbox },
  );
}

export interface AccountView {
  state: Result;
  now: Date;
}

export function accountPage(session: WebSession, view: AccountView, helpDesk: string): string {
  const d = view.state.details;
  const allowedAt = typeof d['passwordChangeAllowedAt'] === 'string' ? new Date(d['passwordChangeAllowedAt']) : null;
  const changeNow = allowedAt === null || allowedAt.getTime() <= view.now.getTime();
  const policy = d['policy'] as { minLength: number; complexity: boolean; historyLength: number; minAgeSeconds: number } | undefined;
  const reset = session.intent === 'reset';
  return layout(
    reset ? 'Your new password' : 'Unlock your account',
    html`${steps(2)}
      <h1>${reset ? 'Choose a new password' : 'Unlock your account'}</h1>
      ${flash(session)}
      <h2>Your account, as your directory reports it</h2>
      <dl class="state">
        <dt>Account</dt>
        <dd>${session.username ?? ''}</dd>
        <dt>Locked out</dt>
        <dd id="state-locked">${d['locked'] === true ? 'Yes' : 'No'}</dd>
        ${
          d['disabled'] === true
            ? html`<dt>Disabled</dt>
                <dd>Yes: contact ${helpDesk}</dd>`
            : ''
        }
        <dt>Password last set</dt>
        <dd>${typeof d['passwordLastSet'] === 'string' ? formatWhen(d['passwordLastSet']) : 'not known'}</dd>
        ${
          reset
            ? html`<dt>New password possible</dt>
                <dd id="state-allowed">${changeNow ? 'Now' : `From ${formatWhen(allowedAt)}`}</dd>`
            : ''
        }
      </dl>
      ${
        reset
          ? html`${changeNow ? '' : html`<div class="notice warn" role="status">Your password was changed recently. Your directory allows a new one from ${formatWhen(allowedAt)}.</div>`}
              <h2>The rules of your directory</h2>
              ${
                policy === undefined
                  ? html`<p>Your directory did not tell us its rules; it will check the password when you submit it.</p>`
                  : html`<ul class="rules" id="rules">
                      <li>At least ${policy.minLength} characters.</li>
                      ${policy.complexity ? html`<li>Three of these four: upper-case letters, lower-case letters, digits, symbols; and not your name.</li>` : ''}
                      ${policy.historyLength > 0 ? html`<li>Not one of your last ${policy.historyLength} passwords.</li>` : ''}
                      ${policy.minAgeSeconds > 0 ? html`<li>At most one change every ${duration(policy.minAgeSeconds)}.</li>` : ''}
                    </ul>`
              }
              <form method="post" action="/reset" autocomplete="off">
                ${csrfField(session)}
                <label for="new-password">New password</label>
                <input type="password" id="new-password" name="newPassword" autocomplete="new-password" required autofocus />
                <label for="confirm-password">New password again</label>
                <input type="password" id="confirm-password" name="confirmPassword" autocomplete="new-password" required />
                <button type="submit">Set my new password</button>
              </form>`
          : html`<p>
                ${d['locked'] === true ? 'Your account is locked after too many wrong passwords.' : 'Your account is not locked right now; unlocking does no harm.'} Unlocking keeps your password as it
                is.
              </p>
              <form method="post" action="/unlock">${csrfField(session)}<button type="submit" autofocus>Unlock my account</button></form>`
      }
      <p><a href="/">Start again</a></p>`,
    { outbox: session.outbox },
  );
}

function duration(seconds: number): string {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? 'day' : `${seconds / 86_400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? 'hour' : `${seconds / 3600} hours`;
  return `${seconds} seconds`;
}

/** Codes after which the person can only ask someone: the page says whom. */
const CONTACT_CODES = new Set(['OUT_OF_SCOPE', 'PROTECTED_ACCOUNT', 'ACCOUNT_DISABLED', 'AMBIGUOUS_USER', 'PERMISSION_DENIED']);
/** Codes after which trying again (another password, or later) can work. */
const RETRY_CODES = new Set(['PASSWORD_POLICY', 'DIRECTORY_UNAVAILABLE', 'BUSY', 'EXPIRED', 'INTERNAL']);

export function outcomeBlock(outcome: Outcome, helpDesk: string, options: { subject?: boolean } = {}): Html {
  const result = outcome.result;
  const ok = result?.code === 'OK';
  const reason = typeof result?.details['reason'] === 'string' && result.code === 'PASSWORD_POLICY' ? ` (${result.details['reason']})` : '';
  return html`<div class="notice ${ok ? 'ok' : 'bad'}" role="status" id="outcome">
      <strong>${ok ? 'Done.' : 'Not changed.'}</strong> ${options.subject === true ? html`<span class="code">${outcome.username}, ${outcome.op}:</span> ` : ''}<span id="outcome-words"
        >${outcome.words}</span
      >
      ${result !== null && CONTACT_CODES.has(result.code) ? html`<div id="outcome-contact">Contact: ${helpDesk}.</div>` : ''}
    </div>
    ${result === null ? '' : html`<p class="code" id="outcome-code">For your help desk: ${result.code}${reason}, request ${result.commandId}.</p>`}`;
}

export function outcomePage(session: WebSession, helpDesk: string): string {
  const outcome = session.outcome;
  if (outcome === null) return startPage(session);
  const code = outcome.result?.code;
  const retry = code === undefined || RETRY_CODES.has(code);
  return layout(
    code === 'OK' ? 'Done' : 'Not changed',
    html`${steps(3)}
      <h1>${code === 'OK' ? (outcome.op === 'unlockAccount' ? 'Your account is unlocked' : 'Your new password is set') : 'That did not work'}</h1>
      ${outcomeBlock(outcome, helpDesk)}
      ${code !== 'OK' && retry && session.verified.size > 0 ? html`<p><a href="/account">${code === 'PASSWORD_POLICY' ? 'Try another password' : 'Try again'}</a></p>` : ''}
      <p><a href="/">Start again</a></p>`,
    { outbox: session.outbox },
  );
}

export function errorPage(status: number, text: string): string {
  return layout(
    status === 403 ? 'Not allowed' : 'Error',
    html`<h1>${status === 403 ? 'That request was refused' : 'Something went wrong'}</h1>
      <div class="notice bad" role="alert">${text}</div>
      <p><a href="/">Start again</a></p>`,
  );
}

// --- admin ----------------------------------------------------------------------------------

export function adminLoginPage(session: WebSession): string {
  return layout(
    'Help desk sign-in',
    html`<h1>Help desk sign-in</h1>
      <p class="lead">The demo printed the help desk passcode on its console when it started.</p>
      ${flash(session)}
      <form method="post" action="/admin/login">
        ${csrfField(session)}
        <label for="admin-passcode">Help desk passcode</label>
        <input type="password" id="admin-passcode" name="passcode" autocomplete="current-password" required autofocus />
        <button type="submit">Sign in</button>
      </form>
      <p><a href="/">Back to self-service</a></p>`,
    { area: 'Help desk' },
  );
}

export interface PermissionView {
  at: Date;
  result: Result | null;
  words: string;
}

export function adminPage(session: WebSession, view: { rows: CommandRow[]; agents: string[]; permissions: PermissionView | null; helpDesk: string; directoryDown: boolean | null }): string {
  const checks = (view.permissions?.result?.details['checks'] ?? []) as { name: string; status?: string; ok: boolean; required?: boolean; detail: string; fix?: string }[];
  return layout(
    'Help desk',
    html`<h1>Help desk</h1>
      <p class="lead">Agents connected: ${view.agents.length === 0 ? 'none' : view.agents.join(', ')}.</p>
      ${flash(session)}
      <div class="admin-grid">
        <div>
          <section aria-labelledby="act-title">
            <h2 id="act-title">Reset or unlock a user</h2>
            ${session.adminOutcome === null ? '' : outcomeBlock(session.adminOutcome, view.helpDesk, { subject: true })}
            <form method="post" action="/admin/action" autocomplete="off">
              ${csrfField(session)}
              <label for="admin-username">Username</label>
              <input type="text" id="admin-username" name="username" autocomplete="off" autocapitalize="none" spellcheck="false" required />
              <label for="admin-password">New password (for a reset)</label>
              <input type="password" id="admin-password" name="newPassword" autocomplete="new-password" />
              <fieldset>
                <legend>Options</legend>
                <label><input type="checkbox" name="forceChange" value="1" /> The user must change it at next sign-in</label>
              </fieldset>
              <button type="submit" name="action" value="reset">Reset password</button>
              <button type="submit" name="action" value="unlock" class="secondary">Unlock only</button>
            </form>
          </section>
          ${
            view.directoryDown === null
              ? ''
              : html`<section aria-labelledby="sim-title">
                  <h2 id="sim-title">Demo controls</h2>
                  <p>The simulated directory is <strong id="directory-state">${view.directoryDown ? 'down (every operation answers "unavailable")' : 'up'}</strong>.</p>
                  <form method="post" action="/admin/outage">
                    ${csrfField(session)}<input type="hidden" name="down" value="${view.directoryDown ? '0' : '1'}" /><button type="submit" class="secondary">
                      ${view.directoryDown ? 'End the directory outage' : 'Simulate a directory outage'}
                    </button>
                  </form>
                </section>`
          }
        </div>
        <section aria-labelledby="cmd-title">
          <h2 id="cmd-title">Commands (live)</h2>
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Operation</th>
                  <th scope="col">User</th>
                  <th scope="col">From</th>
                  <th scope="col">Issued (UTC)</th>
                  <th scope="col">Status</th>
                  <th scope="col">Timing</th>
                </tr>
              </thead>
              <tbody id="command-rows">
                ${view.rows.map(
                  (r) =>
                    html`<tr>
                      <td>${r.shortId}</td>
                      <td>${r.op}</td>
                      <td>${r.target}</td>
                      <td>${r.by}</td>
                      <td>${r.issued}</td>
                      <td class="st-${r.statusClass}">${r.status}</td>
                      <td>${r.timing}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>
        </section>
      </div>
      <section aria-labelledby="perm-title">
        <h2 id="perm-title">The agent's permission report</h2>
        <form method="post" action="/admin/check-permissions">${csrfField(session)}<button type="submit" class="secondary">Ask the agent now</button></form>
        ${
          view.permissions === null
            ? html`<p>Not asked yet.</p>`
            : html`<p>Asked at ${formatWhen(view.permissions.at)}: <span id="perm-summary">${view.permissions.result?.message ?? view.permissions.words}</span></p>
                <table id="permission-report">
                  <thead>
                    <tr>
                      <th scope="col">Check</th>
                      <th scope="col">Status</th>
                      <th scope="col">What the agent found</th>
                      <th scope="col">Fix</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${checks.map(
                      (c) =>
                        html`<tr>
                          <td>${c.name}</td>
                          <td class="st-${c.ok ? 'OK' : 'refused'}">${c.status ?? (c.ok ? 'OK' : 'MISSING')}</td>
                          <td>${c.detail}</td>
                          <td class="code">${c.fix ?? ''}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
        }
      </section>
      <form method="post" action="/admin/logout">${csrfField(session)}<button type="submit" class="secondary">Sign out</button></form>`,
    { wide: true, area: 'Help desk' },
  );
}
