/** Where directory-sim reports what it does; nothing by default. Messages never hold passwords. */
export interface SimLogger {
  debug(message: string): void;
  warn(message: string): void;
}

export const silentLogger: SimLogger = {
  debug: () => undefined,
  warn: () => undefined,
};
