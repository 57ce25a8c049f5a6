// The broker's pulse tokens: one per membership, random, given to the worker in its welcome.
// A worker's pulse thread sends its token from a connection of its own, which the broker has
// no other way to tie to the member (zeromq.js shows neither the peer's CURVE key nor its
// routing id's owner). The token is that tie: it travels only inside the member's own
// connection (CURVE-encrypted when auth is on), so no other peer, authenticated or not, can
// keep a worker alive that is not its own. A new membership gets a new token, so pulses from
// before a reset cannot revive the old one.
import { randomBytes } from 'node:crypto';

/** Tokens of memberships that ended, remembered so their last pulses are not taken for forgeries. */
const RETIRED_KEPT = 1024;

export type PulseVerdict = { member: string } | 'retired' | 'unknown';

export class PulseTokens {
  private readonly byToken = new Map<string, string>();
  private readonly tokenOf = new Map<string, string>();
  private readonly retired = new Set<string>();

  /** A fresh token for member `id` (its earlier one, if any, is retired). */
  issue(id: string): string {
    this.retire(id);
    const token = randomBytes(16).toString('hex');
    this.byToken.set(token, id);
    this.tokenOf.set(id, token);
    return token;
  }

  /** Member `id` has left: its token keeps no one alive any more. */
  retire(id: string): void {
    const token = this.tokenOf.get(id);
    if (token === undefined) return;
    this.tokenOf.delete(id);
    this.byToken.delete(token);
    this.retired.add(token);
    for (const old of this.retired) if (this.retired.size > RETIRED_KEPT) this.retired.delete(old);
  }

  /** Whose pulse this is: a member's, a membership's that ended (its pulse thread has not heard
   * yet), or nobody's (forged, or from another pipeline). */
  check(token: string): PulseVerdict {
    const member = this.byToken.get(token);
    if (member !== undefined) return { member };
    return this.retired.has(token) ? 'retired' : 'unknown';
  }
}
