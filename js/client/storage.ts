/** What the client keeps of a login. Times are Unix seconds, as the server sends them. */
export interface Tokens {
  token: string;
  tokenType: "jwt" | "session";
  expiresAt: number;
  /** Bearer mode with JWTs only (cookie mode keeps it in an HttpOnly cookie). */
  refreshToken?: string;
  refreshExpiresAt?: number;
}

/** Where a bearer-mode client keeps its tokens. Synchronous, so concurrent calls see one value. */
export interface TokenStorage {
  get(): Tokens | null;
  set(tokens: Tokens | null): void;
}

export function memoryStorage(): TokenStorage {
  let tokens: Tokens | null = null;
  return {
    get: () => tokens,
    set: (value) => {
      tokens = value;
    },
  };
}

/** The subset of the Web Storage API used (sessionStorage, localStorage). */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Tokens in sessionStorage (this tab, survives a reload) or localStorage
 * (every tab). Anything unreadable there counts as signed out.
 */
export function webStorage(store: WebStorageLike, key = "hybrid-auth.tokens"): TokenStorage {
  return {
    get() {
      const text = store.getItem(key);
      if (!text) return null;
      try {
        const value = JSON.parse(text) as Partial<Tokens> | null;
        return value && typeof value.token === "string" && typeof value.expiresAt === "number" ? (value as Tokens) : null;
      } catch {
        return null;
      }
    },
    set(tokens) {
      if (tokens) store.setItem(key, JSON.stringify(tokens));
      else store.removeItem(key);
    },
  };
}
