import type { Tokens } from "./storage";

/** What tabs tell each other. */
export type ChannelMessage = { type: "tokens"; tokens: Tokens } | { type: "logout" };

/** The part of BroadcastChannel the client uses (tests pass their own). */
export interface ChannelLike {
  postMessage(message: ChannelMessage): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  close(): void;
}

/** The channel to use: a BroadcastChannel by name where the runtime has one, the given object, or none. */
export function openChannel(option: string | ChannelLike | false | undefined): ChannelLike | null {
  if (option === false) return null;
  if (typeof option === "object") return option;
  const Channel = (globalThis as { BroadcastChannel?: new (name: string) => ChannelLike }).BroadcastChannel;
  return Channel ? new Channel(option ?? "hybrid-auth") : null;
}
