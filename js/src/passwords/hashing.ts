/**
 * Which algorithm writes new password hashes, and how every stored one is
 * checked (issue 21). New hashes are Argon2id by default; PBKDF2 hashes (every
 * release before it) and seed-era ones (through hooks.legacyPasswordVerifier)
 * still verify, and a match is rewritten in today's algorithm and cost by the
 * caller, through the compare-and-swap of replacePasswordHash.
 *
 * Every failed check costs the same work whatever the account: one Argon2id at
 * the configured cost and one PBKDF2 at 100,000 iterations. Unknown email,
 * wrong password on an Argon2id or a PBKDF2 account, seed-era account: a
 * failure runs the algorithm of the stored hash and burns the other on a dummy,
 * so a timing attacker can tell none of them apart (nor learn which accounts
 * still have an old hash). A success pays only its own algorithm (plus one hash
 * when it moves an old hash to Argon2id): it tells the caller nothing they did
 * not already know.
 */
import { argon2Engine, argon2idDummyHash, verifyOptionsOf } from "./argon2id";
import type { Argon2idSettings } from "./argon2id";
import { PBKDF2_ITERATIONS, burnPbkdf2, hashPbkdf2, matchesPbkdf2, parsePbkdf2 } from "./pbkdf2";
import type { AuthHooks } from "../options";
import type { PublicUser } from "../types";

export type PasswordAlgorithm = "argon2id" | "pbkdf2-sha256";

export interface PasswordHashingConfig {
  /** The algorithm of new hashes. */
  algorithm: PasswordAlgorithm;
  argon2id: Argon2idSettings;
  /** hooks.legacyPasswordVerifier: checks hashes in a format we did not write (a seed-era deployment's). */
  legacy?: AuthHooks["legacyPasswordVerifier"];
}

export type PasswordCheck =
  | { ok: true; needsRehash: boolean }
  /** `rejectedHash`: the stored hash was refused before any work (a tampered or corrupt row), with the module's reason. */
  | { ok: false; rejectedHash?: string };

const FAILED: PasswordCheck = { ok: false };

export class PasswordHashing {
  /** Made on first use: workerd forbids random numbers in the global scope, where a static createAuth runs. */
  private dummy: string | null = null;
  /** What Argon2id verifies with: the target cost, the floor and the ceilings, built once. */
  private readonly verifyOptions: ReturnType<typeof verifyOptionsOf>;

  constructor(readonly config: PasswordHashingConfig) {
    this.verifyOptions = verifyOptionsOf(config.argon2id);
  }

  /** A new hash of `password` in the configured algorithm and cost. */
  async hash(password: string): Promise<string> {
    if (this.config.algorithm === "pbkdf2-sha256") return hashPbkdf2(password);
    return argon2Engine.hash(password, this.config.argon2id);
  }

  /** For a login whose email has no account: the work of a failed check, and no answer. */
  async refuse(password: string): Promise<void> {
    this.burnArgon2id(password);
    await burnPbkdf2(password);
  }

  /**
   * Checks `password` against `stored`, the hash of `user` (named in the log line of a
   * refused hash, and handed to the legacy verifier; without it that verifier is not asked).
   */
  async check(password: string, stored: string, user?: PublicUser): Promise<PasswordCheck> {
    if (stored.startsWith("$argon2")) {
      const result = argon2Engine.verify(password, stored, this.verifyOptions);
      if (result.ok) return { ok: true, needsRehash: result.needsRehash || this.config.algorithm !== "argon2id" };
      await burnPbkdf2(password);
      if (result.reason === "mismatch" || result.reason === "password_too_long") return FAILED;
      // Refused before Argon2 ran (a malformed string, or a cost above the ceilings:
      // a tampered row asking for gigabytes). The operator must hear of it; the
      // caller answers as for a wrong password, after the same work.
      console.error(JSON.stringify({ code: "stored_password_hash_rejected", reason: result.reason, user: user?.id ?? null }));
      this.burnArgon2id(password);
      return { ok: false, rejectedHash: result.reason };
    }
    const pbkdf2 = parsePbkdf2(stored);
    if (pbkdf2) {
      if (await matchesPbkdf2(password, pbkdf2)) {
        return { ok: true, needsRehash: this.config.algorithm !== "pbkdf2-sha256" || pbkdf2.iterations < PBKDF2_ITERATIONS };
      }
      this.burnArgon2id(password);
      return FAILED;
    }
    // A format we did not write (a seed-era hash, or garbage): the work of a
    // failure first, then the adopter's verifier (its own cost is the adopter's).
    await this.refuse(password);
    // A `!`-prefixed hash is no password at all (an account made by a provider sign-in,
    // db/social.ts NO_PASSWORD): never handed to the adopter's verifier.
    const legacy = this.config.legacy;
    if (!legacy || !user || stored.startsWith("!")) return FAILED;
    // A match is moved to today's algorithm by the caller.
    return (await legacy(password, stored, user)) === true ? { ok: true, needsRehash: true } : FAILED;
  }

  private burnArgon2id(password: string): void {
    this.dummy ??= argon2idDummyHash(this.config.argon2id.cost);
    argon2Engine.verify(password, this.dummy, this.verifyOptions);
  }
}
