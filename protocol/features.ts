/**
 * Optional features of a version-2 session (docs/protocol.md, "Features"). Each side lists the
 * ones it supports (`hello.features`, `welcome.features`); a feature is used only when both do.
 * Names a side does not know are ignored, so either side may add features without breaking the other.
 */
export const Feature = {
  /** The service announces its signing keys (`serviceKeys`), the agent acknowledges (`serviceKeysAck`). */
  keyRotation: 'keyRotation',
  /** The agent reports its audit log's head (`auditCheckpoint`); defined by issue 24. */
  auditCheckpoint: 'auditCheckpoint',
  /** The agent reports the ids and kinds of its directories (`directories`), so the service knows how its users are named. */
  directories: 'directories',
} as const;
export type Feature = (typeof Feature)[keyof typeof Feature];

export const FEATURES_LIST: readonly Feature[] = Object.values(Feature);

/** At most this many names in a `features` array, each at most MAX_FEATURE_NAME characters. */
export const MAX_FEATURES = 32;
export const MAX_FEATURE_NAME = 64;
/** A feature name: a letter, then letters, digits, `.`, `_` or `-`. */
export const FEATURE_NAME = /^[A-Za-z][A-Za-z0-9._-]*$/;

export function isFeature(name: string): name is Feature {
  return (FEATURES_LIST as readonly string[]).includes(name);
}

/** The features both sides listed that this side knows. */
export function sharedFeatures(ours: readonly string[], theirs: readonly string[] | undefined): ReadonlySet<Feature> {
  const other = new Set(theirs ?? []);
  return new Set(ours.filter((name): name is Feature => isFeature(name) && other.has(name)));
}
