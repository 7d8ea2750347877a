import type { ServiceLogger } from '../logger.js';
import type { Mailer } from './mailer.js';
import type { Outcome } from './result-words.js';

/** A help desk contact that is an e-mail address (not a URL) receives the help desk's messages. */
export function helpdeskAddress(contact: string | null): string | null {
  return contact !== null && /^[^\s@/:]+@[^\s@/]+$/.test(contact) ? contact : null;
}

export interface ResetEvent {
  user: string;
  action: 'reset' | 'unlock';
  admin: boolean;
  code: string | null;
  outcome: Outcome;
  /** The user's own address, when one is known. */
  userEmail: string | null;
  commandId: string | null;
  at: Date;
}

/**
 * The messages after a portal reset or unlock (issue 19 item 4): the user, always when on; the
 * administrators listed, when an administrator reset their own password; the help desk, when the
 * agent lacked a permission or applied only part of the change. Mail failures are logged, never
 * shown to the user (the reset itself is done).
 */
export class Notifications {
  constructor(
    private readonly mailer: Mailer | null,
    private readonly settings: { user: boolean; admins: readonly string[]; helpdesk: string | null },
    private readonly logger: ServiceLogger,
  ) {}

  async afterCommand(event: ResetEvent): Promise<void> {
    const what = event.action === 'unlock' ? 'unlocked' : 'password was reset';
    const when = event.at.toISOString();
    const mails: { to: string; subject: string; text: string }[] = [];
    if (this.settings.user && event.userEmail !== null && event.outcome.kind !== 'refused') {
      mails.push({
        to: event.userEmail,
        subject: event.action === 'unlock' ? 'Your account was unlocked' : 'Your password was reset',
        text: `Your account ${event.user} ${event.action === 'unlock' ? 'was unlocked' : 'had its password reset'} through the self-service portal at ${when}.\n\n${event.outcome.words}\n\nIf this was not you, contact your help desk at once.\n`,
      });
    }
    if (event.admin && event.outcome.kind !== 'refused') {
      for (const to of this.settings.admins) {
        mails.push({
          to,
          subject: `Administrator self-service: ${event.user}`,
          text: `The administrator account ${event.user} ${what} by its owner through the self-service portal at ${when} (command ${event.commandId ?? 'none'}).\n${event.outcome.words}\n`,
        });
      }
    }
    if (this.settings.helpdesk !== null && (event.code === 'PERMISSION_DENIED' || event.outcome.kind === 'partial')) {
      mails.push({
        to: this.settings.helpdesk,
        subject: event.outcome.kind === 'partial' ? `Partly applied: ${event.user}` : `Permission denied: ${event.user}`,
        text: `A self-service ${event.action} for ${event.user} at ${when} (command ${event.commandId ?? 'none'}) ended ${event.code ?? 'without an answer'}${event.outcome.kind === 'partial' ? ', partly applied' : ''}.\nThe user was told: ${event.outcome.words}\nLook the command up with \`writeback-service\` or the admin API for the agent's signed result.\n`,
      });
    }
    for (const mail of mails) {
      try {
        if (this.mailer === null) throw new Error('no mailer');
        await this.mailer.send(mail);
      } catch (error) {
        this.logger.warn('portal notification not sent', { subject: mail.subject, error: error instanceof Error ? error.message : 'unknown' });
      }
    }
  }
}
