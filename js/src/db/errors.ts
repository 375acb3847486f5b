/**
 * Any failure of the D1 binding (network, overload, SQL error) surfaces as a
 * DatabaseError, which app.onError turns into 503 + Retry-After. Keeping the
 * original error as `cause` lets the log say what happened while the client
 * only ever sees a stable code.
 */
export class DatabaseError extends Error {
  override readonly name = "DatabaseError";
  /** `store`: which binding failed, "D1" unless another store (the revocation filter's KV) did. */
  constructor(operation: string, cause: unknown, store = "D1") {
    super(`${store} ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Runs one database operation, converting whatever it throws. */
export async function guard<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof DatabaseError) throw err;
    throw new DatabaseError(operation, err);
  }
}

/** D1 reports constraint violations only through the message text. */
export function isUniqueViolation(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /UNIQUE constraint failed/i.test(message);
}
