import type { PortalConfig } from '../config/portal-config.js';
import { RateLimiter } from './rate-limit.js';

/** One limiter per directory's settings object, so each directory keeps its own counts. */
const limiters = new WeakMap<PortalConfig['verifyPassword'], RateLimiter>();

/**
 * The per-user limit on password checks (`portal.verifyPassword.maxAttempts` per `windowSeconds`),
 * apart from the write limit: guessing must stay below the directory's lockout threshold.
 */
export function verifyPasswordLimiter(settings: PortalConfig['verifyPassword'], now: () => Date): RateLimiter {
  let limiter = limiters.get(settings);
  if (limiter === undefined) {
    limiter = new RateLimiter({ limit: settings.maxAttempts, windowMs: settings.windowSeconds * 1000, now });
    limiters.set(settings, limiter);
  }
  return limiter;
}
