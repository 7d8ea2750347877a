import type { ServiceState } from './service-state.js';

/**
 * Cuts every agent connection the way a crashed service process would: no close frame, no error
 * message, the TCP connections just end. Resolves once each one's session has ended (so its
 * outstanding commands are back in the queue for redelivery).
 */
export async function cutConnections(state: ServiceState): Promise<void> {
  const closing = [...state.connections.values()].map(
    (connection) =>
      new Promise<void>((resolve) => {
        connection.clearHelloTimer();
        if (!state.connections.has(connection.id)) return resolve();
        connection.ws.once('close', () => resolve());
        connection.ws.terminate();
      }),
  );
  await Promise.all(closing);
}
