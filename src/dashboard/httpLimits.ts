// What the HTTP server lets strangers hold, and what it counts when they try for more.

export interface HttpLimits {
  /** Bytes a client may have waiting before it is dropped (it must never slow us). */
  perClientBuffered: number;
  /** Bytes waiting for all clients together; a message that would exceed it is not sent. */
  totalBuffered: number;
  /** WebSocket clients at once (all paths); more are refused at the handshake (503). */
  maxClients: number;
  /** Largest message a client may send (the feeds are read-only: anything bigger is hostile). */
  maxInboundMessage: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  perClientBuffered: 4 * 1024 * 1024,
  totalBuffered: 64 * 1024 * 1024,
  maxClients: 64,
  maxInboundMessage: 4096,
};

/** What went wrong with clients, for /status. */
export interface HttpCounters {
  /** Messages not sent to a client because it, or all clients together, were too far behind. */
  droppedForSlowClients: number;
  /** Dashboard states a busy client skipped (it gets the next one): conflation, not loss. */
  conflated: number;
  /** Clients disconnected for being too far behind. */
  slowClientsDropped: number;
  /** Clients refused because maxClients were connected. */
  clientsRefused: number;
  /** Clients that sent a broken or oversized frame, or anything at all (the feeds are read-only). */
  clientErrors: number;
  /** Requests a route failed on (answered 500, or cut off when the answer had begun). */
  routeErrors: number;
  /** Requests refused for a missing or wrong access token. */
  unauthorized: number;
  /** WebSocket handshakes refused because they came from another site's page. */
  foreignOrigins: number;
}

export function newHttpCounters(): HttpCounters {
  return {
    droppedForSlowClients: 0,
    conflated: 0,
    slowClientsDropped: 0,
    clientsRefused: 0,
    clientErrors: 0,
    routeErrors: 0,
    unauthorized: 0,
    foreignOrigins: 0,
  };
}
