/**
 * The symbols winston's transports read on a line (triple-beam registers them with Symbol.for;
 * triple-beam is winston's dependency, not ours): its level and its finished text.
 */
export const InfoSymbol = {
  level: Symbol.for('level'),
  message: Symbol.for('message'),
} as const;
