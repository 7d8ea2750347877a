import { html, type Html } from './html.js';
import type { Outcome } from './result-words.js';

/** The portal's stylesheet, served at /portal.css (the CSP allows no inline style). */
export const PORTAL_CSS = `body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.5rem}form{margin:1rem 0;padding:1rem;border:1px solid #ccc;border-radius:6px}
label{display:block;margin:.5rem 0 .2rem}input[type=text],input[type=password],input[type=email],input[type=tel]{width:100%;padding:.4rem;box-sizing:border-box}
button{margin-top:.8rem;padding:.45rem 1rem}.note{color:#444}.refused{border-left:4px solid #b00020;padding-left:.8rem}
.partial{border-left:4px solid #b26a00;padding-left:.8rem}.done{border-left:4px solid #1b7f3b;padding-left:.8rem}.qr{width:14rem;height:14rem}
.help{margin-top:1.5rem;font-size:.95rem}`;

/** What every page knows: the form token and the help desk contact. */
export interface PageContext {
  csrf: string;
  helpdesk: string | null;
}

export function layout(title: string, body: Html): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <link rel="stylesheet" href="/portal.css" />
      </head>
      <body>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`.text;
}

function csrfField(page: PageContext): Html {
  return html`<input type="hidden" name="csrf" value="${page.csrf}" />`;
}

/** The help desk line every refusal carries (issue 19 item 6). */
export function helpdeskLine(page: PageContext): Html {
  if (page.helpdesk === null) return html`<p class="help">If you need help, contact your help desk.</p>`;
  const link = /^https?:\/\//.test(page.helpdesk) ? page.helpdesk : `mailto:${page.helpdesk}`;
  return html`<p class="help">Need help? Contact your help desk: <a href="${link}">${page.helpdesk}</a>.</p>`;
}

export function startPage(page: PageContext, note: string | null): string {
  return layout(
    'Reset your password',
    html`${
        note === null
          ? ''
          : html`<p class="refused" role="alert">${note}</p>
              ${helpdeskLine(page)}`
      }
      <form method="post" action="/identify">
        ${csrfField(page)} <label for="user">Your user name</label><input type="text" id="user" name="user" autocomplete="username" required maxlength="256" />
        <fieldset>
          <legend>What do you need?</legend>
          <label><input type="radio" name="action" value="reset" checked /> A new password</label>
          <label><input type="radio" name="action" value="unlock" /> Unlock my account (I know my password)</label>
        </fieldset>
        <label><input type="checkbox" name="admin" value="yes" /> I am an administrator</label>
        <button type="submit">Continue</button>
      </form>
      <p class="note"><a href="/register">Register or change your recovery methods</a></p>`,
  );
}

export function closedPage(page: PageContext, words: string): string {
  return layout(
    'Reset your password',
    html`<p class="refused" role="alert">${words}</p>
      ${helpdeskLine(page)}`,
  );
}

/** One method's block on the verify page. */
export interface MethodBlock {
  method: string;
  label: string;
  /** Codes by e-mail or SMS are sent on request; authenticator codes and links are not. */
  sendable: boolean;
  passed: boolean;
  sent: boolean;
}

export function verifyPage(page: PageContext, input: { needed: number; passed: number; blocks: MethodBlock[]; note: string | null; admin: boolean; codeMinutes: number }): string {
  const blocks = input.blocks.map((b) => {
    if (b.passed) return html`<p class="done">${b.label}: confirmed.</p>`;
    if (b.method === 'link') {
      return html`<form method="post" action="/send">
        ${csrfField(page)}<input type="hidden" name="method" value="link" />
        <p>${b.label}</p>
        ${b.sent ? html`<p class="note" role="status">If your account has an alternate e-mail address, a link is on its way to it. Open it in this browser.</p>` : ''}
        <button type="submit">${b.sent ? 'Send the link again' : 'Send me a link'}</button>
      </form>`;
    }
    const send = b.sendable
      ? html`<form method="post" action="/send">
          ${csrfField(page)}<input type="hidden" name="method" value="${b.method}" /> <button type="submit">${b.sent ? 'Send a new code' : 'Send me a code'}</button>
        </form>`
      : '';
    const sentNote = b.sent ? html`<p class="note" role="status">If your account has this method, a code is on its way. It works for ${input.codeMinutes} minutes, once.</p>` : '';
    return html`<section aria-label="${b.label}">
      <h2>${b.label}</h2>
      ${sentNote}${send}
      <form method="post" action="/check">
        ${csrfField(page)}<input type="hidden" name="method" value="${b.method}" /> <label for="code-${b.method}">Code</label
        ><input type="text" id="code-${b.method}" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="12" required /> <button type="submit">Check the code</button>
      </form>
    </section>`;
  });
  return layout(
    'Prove it is you',
    html`<p>${input.admin ? 'As an administrator you need both of these.' : `Confirm ${input.needed === 1 ? 'one' : 'two'} of these.`} Confirmed so far: ${input.passed} of ${input.needed}.</p>
      ${input.note === null ? '' : html`<p class="refused" role="alert">${input.note}</p>`}${blocks}
      <p class="note"><a href="/">Start again</a></p>`,
  );
}

export function passwordPage(page: PageContext, action: 'reset' | 'unlock', note: string | null): string {
  if (action === 'unlock') {
    return layout(
      'Unlock your account',
      html`<form method="post" action="/finish">
        ${csrfField(page)}
        <p>Your account will be unlocked; your password stays as it is.</p>
        <button type="submit">Unlock my account</button>
      </form>`,
    );
  }
  return layout(
    'Choose a new password',
    html`${note === null ? '' : html`<p class="refused" role="alert">${note}</p>`}
      <form method="post" action="/finish">
        ${csrfField(page)} <label for="password">New password</label><input type="password" id="password" name="password" autocomplete="new-password" required maxlength="256" />
        <label for="confirm">The same again</label><input type="password" id="confirm" name="confirm" autocomplete="new-password" required maxlength="256" />
        <button type="submit">Set my new password</button>
      </form>`,
  );
}

export function outcomePage(page: PageContext, outcome: Outcome, reconfirmDue: boolean): string {
  const title = outcome.kind === 'done' ? 'Done' : outcome.kind === 'partial' ? 'Partly done' : 'Not done';
  return layout(
    title,
    html`<p class="${outcome.kind}" role="${outcome.kind === 'done' ? 'status' : 'alert'}">${outcome.words}</p>
      ${outcome.kind === 'done' ? '' : helpdeskLine(page)} ${reconfirmDue ? html`<p class="note">Your recovery methods are due for re-confirmation: <a href="/register">check them now</a>.</p>` : ''}
      <p class="note"><a href="/">Back to the start</a></p>`,
  );
}

export function signInPage(page: PageContext, note: string | null): string {
  return layout(
    'Register your recovery methods',
    html`<p>Sign in with your current password to register or change how you prove it is you.</p>
      ${
        note === null
          ? ''
          : html`<p class="refused" role="alert">${note}</p>
              ${helpdeskLine(page)}`
      }
      <form method="post" action="/register/sign-in">
        ${csrfField(page)} <label for="user">Your user name</label><input type="text" id="user" name="user" autocomplete="username" required maxlength="256" />
        <label for="password">Your current password</label><input type="password" id="password" name="password" autocomplete="current-password" required maxlength="256" />
        <button type="submit">Sign in</button>
      </form>
      <p class="note">A wrong password counts as a failed sign-in at your directory.</p>`,
  );
}

export interface MethodsView {
  user: string;
  methods: readonly string[];
  email: string | null;
  phone: string | null;
  totp: boolean;
  confirmedAt: string | null;
  reconfirmDue: boolean;
  pendingEmail: string | null;
  pendingPhone: string | null;
  enrolment: { uri: string; qrDataUrl: string; secret: string } | null;
  note: string | null;
}

function pendingBlock(page: PageContext, what: 'email' | 'phone', value: string): Html {
  return html`<form method="post" action="/register/${what}/confirm">
    ${csrfField(page)}
    <p class="note" role="status">A code went to ${value}.</p>
    <label for="${what}-code">Code sent to ${value}</label><input type="text" id="${what}-code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="12" required />
    <button type="submit">Confirm</button>
  </form>`;
}

export function methodsPage(page: PageContext, view: MethodsView): string {
  const offers = (m: string) => view.methods.includes(m);
  return layout(
    'Your recovery methods',
    html`<p>Signed in as ${view.user}.</p>
      ${view.note === null ? '' : html`<p class="note" role="status">${view.note}</p>`} ${view.reconfirmDue ? html`<p class="partial">Please check these are still right and confirm them.</p>` : ''}
      <ul>
        <li>E-mail: ${view.email ?? 'none'}</li>
        <li>Phone: ${view.phone ?? 'none'}</li>
        <li>Authenticator app: ${view.totp ? 'registered' : 'none'}</li>
        <li>Last confirmed: ${view.confirmedAt ?? 'never'}</li>
      </ul>
      <form method="post" action="/register/reconfirm">
        ${csrfField(page)}
        <p>Still your address, phone and app?</p>
        <button type="submit">These are still right</button>
      </form>
      ${offers('email') ? (view.pendingEmail !== null ? pendingBlock(page, 'email', view.pendingEmail) : html`<form method="post" action="/register/email">${csrfField(page)}<label for="email">E-mail address</label><input type="email" id="email" name="email" maxlength="254" required /><button type="submit">Send a code to this address</button></form>`) : ''}
      ${offers('sms') ? (view.pendingPhone !== null ? pendingBlock(page, 'phone', view.pendingPhone) : html`<form method="post" action="/register/phone">${csrfField(page)}<label for="phone">Mobile number</label><input type="tel" id="phone" name="phone" maxlength="32" required /><button type="submit">Send a code by SMS</button></form>`) : ''}
      ${
        offers('totp')
          ? view.enrolment !== null
            ? html`<form method="post" action="/register/totp/confirm">
                ${csrfField(page)}
                <p>Scan this with your authenticator app, or type the key <code id="totp-secret">${view.enrolment.secret}</code>.</p>
                <img class="qr" src="${view.enrolment.qrDataUrl}" alt="QR code for your authenticator app" />
                <label for="totp-code">Code the app shows</label><input type="text" id="totp-code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required />
                <button type="submit">Confirm the app</button>
              </form>`
            : html`<form method="post" action="/register/totp">${csrfField(page)}<button type="submit">${view.totp ? 'Replace my authenticator app' : 'Add an authenticator app'}</button></form>`
          : ''
      }
      <p class="note"><a href="/">Back to the start</a></p>`,
  );
}
