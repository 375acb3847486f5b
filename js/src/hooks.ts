import type { AppContext } from "./types";

/**
 * Runs an adopter's notification hook (onRegister, onLogin). The event has
 * already happened (its rows are committed), so a failing hook must not turn
 * it into an error answer: the failure is logged and the request goes on.
 */
export async function notify(c: AppContext, name: string, run: () => void | Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    console.error(`[hybrid-auth] hooks.${name} failed`, err instanceof Error ? err.message : err);
  }
}
