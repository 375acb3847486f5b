import type { Tokens } from "./storage";

/** What tabs tell each other. */
export type ChannelMessage = { type: "tokens"; tokens: Tokens } | { type: "logout" };

/** The part of BroadcastChannel the client uses (tests pass their own). */
export interface ChannelLike {
  postMessage(message: ChannelMessage): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  close(): void;
}

/**
 * Node (a server, a script, a CLI) rather than a page: there are no tabs to coordinate, and an
 * open BroadcastChannel keeps the process alive until close() (issue 19, point 12). Read off
 * globalThis so the client needs no Node types and bundles for any platform.
 */
function isNodeOutsideAPage(): boolean {
  const g = globalThis as { process?: { versions?: { node?: unknown } }; window?: unknown; document?: unknown };
  return typeof g.process?.versions?.node === "string" && g.window === undefined && g.document === undefined;
}

/**
 * The channel to use: the given object; none for `false`; a BroadcastChannel by the given name
 * where the runtime has one; by default ("hybrid-auth") only in browsers, none in Node, where
 * a caller who wants one names it (and calls the client's close() when done).
 */
export function openChannel(option: string | ChannelLike | false | undefined): ChannelLike | null {
  if (option === false) return null;
  if (typeof option === "object") return option;
  if (option === undefined && isNodeOutsideAPage()) return null;
  const Channel = (globalThis as { BroadcastChannel?: new (name: string) => ChannelLike }).BroadcastChannel;
  return Channel ? new Channel(option ?? "hybrid-auth") : null;
}
