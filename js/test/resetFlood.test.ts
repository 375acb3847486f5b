/**
 * Issue 19 §4: a flood of password-reset requests for someone else's
 * address. Before the fix, the sixth request answered 429 for an hour, the
 * owner's own included, and five emails had filled the inbox. Now every
 * request answers 202; only the sending is capped, quietly, per address
 * (RATE_LIMIT_RESET_EMAIL, default 5 an hour) and per client (RATE_LIMIT_RESET_IP).
 */
import { describe, expect, it } from "vitest";
import { call, registerUser } from "./helpers";
import { linkToken, mailEnv, mailTo } from "./emailHelpers";

const requestReset = (email: string, ip: string) =>
  call("POST", "/auth/password/reset/request", { env: mailEnv(), json: { email }, headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip } });

describe("a reset flood", () => {
  it("eight requests from an attacker, then the owner's own: all 202, and at most 5 emails (the default cap) reach the owner's inbox", async () => {
    const owner = await registerUser(mailEnv());
    const attackerIp = `198.51.100.${1 + Math.floor(Math.random() * 250)}`;
    const answers: number[] = [];
    for (let i = 0; i < 8; i++) answers.push((await requestReset(owner.email, attackerIp)).status);
    expect(answers).toEqual([202, 202, 202, 202, 202, 202, 202, 202]);

    // The owner asks from their own address: never refused, the same body as anyone's.
    const own = await requestReset(owner.email, `203.0.113.${1 + Math.floor(Math.random() * 250)}`);
    expect(own.status).toBe(202);
    expect(((await own.json()) as { accepted: boolean }).accepted).toBe(true);

    // What actually went out: the cap, not one email per request.
    const sent = mailTo(owner.email).filter((m) => m.subject === "Reset your password");
    expect(sent).toHaveLength(5);
    // And the newest link in the inbox is the one that works (the capped requests issued no token to replace it).
    const done = await call("POST", "/auth/password/reset/complete", { env: mailEnv(), json: { token: linkToken(owner.email, "reset"), password: "the owner's own new password" } });
    expect(done.status).toBe(200);
  });
});
