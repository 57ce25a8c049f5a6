// How many peers are connected to a bound socket, from its monitor events: accepted connections
// less those that went away (a failed handshake is a disconnect too). The simulator needs it to
// know when a reused message buffer may still be queued for another peer (ReusableImageMessages).
// The events arrive asynchronously, but libzmq emits "accept" before the connection's handshake,
// let alone before any message is routed to it, so a sender that yields to the event loop between
// messages has the new count long before a buffer sent to the new peer comes up for reuse.
import type { Socket } from 'zeromq';

export function watchPeers(socket: Socket, onChange: (peers: number) => void): void {
  let peers = 0;
  socket.events.on('accept', () => onChange(++peers));
  socket.events.on('disconnect', () => onChange((peers = Math.max(0, peers - 1))));
}
