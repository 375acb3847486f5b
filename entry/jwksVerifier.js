// createJwksVerifier: verifies another service's EdDSA access tokens from its JWKS URL
// (issue 24), the same in Workers, Node and browsers. `hybrid-auth/eddsa`'s entries
// export it, made with the KeyRing of the Ed25519 build each of them initialised
// (`jwksVerifierWith(KeyRing)`): the core entry's build has no Ed25519.
//
// Why it is shaped this way:
// - Each fetched key set becomes one verify-only KeyRing (`new KeyRing({ jwks })`), so
//   each key is parsed and its curve point decompressed once, not per token (the
//   complaint about jose/hono `jwk()` on Workers in the issue).
// - The set is kept in memory for `cacheSeconds`, and on Workers also in the Cache API
//   (`caches.default`), so a new isolate does not refetch what another just fetched.
// - A token naming a kid the set lacks triggers one refetch (the issuer may have
//   rotated), at most once per `minRefetchSeconds`: forged kids cannot turn the
//   verifier into a request amplifier against the JWKS host.
// - It fails closed: no key set (never fetched, fetch failed, set refused), or one kept
//   through failing refetches for more than `maxStaleSeconds` past its `cacheSeconds`,
//   means every token is refused as `jwks_unavailable`.

const DEFAULT_CACHE_SECONDS = 300;
const DEFAULT_MIN_REFETCH_SECONDS = 30;
/** How long past its cacheSeconds a set stays in use while refetching fails. */
const DEFAULT_MAX_STALE_SECONDS = 3600;
/** The JWKS reader refuses more than this anyway; checked before parsing. */
const MAX_JWKS_BYTES = 64 * 1024;

const fail = (message) => new Error(`hybrid-auth: createJwksVerifier: ${message}`);

function checkOptions(options) {
  if (options === null || typeof options !== "object") throw fail("needs an options object");
  const { jwksUrl, issuer, audience } = options;
  let url;
  try {
    url = new URL(jwksUrl);
  } catch {
    throw fail("jwksUrl must be an absolute URL");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname))) {
    throw fail("jwksUrl must be https (http only for localhost)");
  }
  for (const [name, value] of [["issuer", issuer], ["audience", audience]]) {
    if (typeof value !== "string" || value === "") throw fail(`${name} is required: a token for another issuer or audience must not pass`);
  }
  if (options.nativeEd25519 !== undefined && typeof options.nativeEd25519 !== "boolean") throw fail("nativeEd25519 must be a boolean");
  for (const name of ["cacheSeconds", "minRefetchSeconds", "maxStaleSeconds"]) {
    const v = options[name];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw fail(`${name} must be a number of seconds >= 0`);
  }
  return url.href;
}

/** The Workers Cache API when this runtime has it (and the caller did not turn it off). */
function sharedCache(option) {
  if (option === false) return null;
  if (option && typeof option.match === "function") return option;
  return globalThis.caches?.default ?? null;
}

/**
 * The Ed25519 signature check through the runtime's WebCrypto, the rest in the ring.
 * Why: workerd's native Ed25519 (BoringSSL) is about 2.8x the wasm one, and in Node
 * WebCrypto and the wasm are level (bench/notes.md, "EdDSA"), so the native check is
 * used wherever it exists. The ring still parses the token, selects the key, checks the
 * signature's form (what `verify_strict` refuses and native verifiers accept: a
 * small-order `R`) and then the claims (`verifyWithEd25519Verdict`). Each key is
 * imported once per fetched set. A runtime without Ed25519 in WebCrypto (older
 * browsers) falls back to the wasm check, for good after the first failure.
 */
let nativeEd25519 = typeof globalThis.crypto?.subtle?.verify === "function";

/** One set's ring and its imported keys (kid -> Promise<CryptoKey | null>). */
const preparedSet = (ring) => ({ ring, keys: new Map() });

function importedKey(set, request) {
  let key = set.keys.get(request.kid);
  if (key === undefined) {
    key = crypto.subtle.importKey("raw", request.publicKey, { name: "Ed25519" }, false, ["verify"]).catch(() => null);
    set.keys.set(request.kid, key);
  }
  return key;
}

async function verifyIn(set, token, native) {
  if (native && nativeEd25519) {
    const request = set.ring.ed25519Request(token);
    if (request === null) return set.ring.verify(token);
    if (request.ok === false) return request;
    const key = await importedKey(set, request);
    if (key !== null) {
      try {
        const valid = await crypto.subtle.verify({ name: "Ed25519" }, key, request.signature, request.message);
        return set.ring.verifyWithEd25519Verdict(token, valid);
      } catch {
        // fall through to the wasm check
      }
    }
    nativeEd25519 = false;
  }
  return set.ring.verify(token);
}

/** `createJwksVerifier`, verifying with the given KeyRing class (the Ed25519 build's). */
export const jwksVerifierWith = (KeyRing) => (options) => createJwksVerifier(KeyRing, options);

function createJwksVerifier(KeyRing, options) {
  const url = checkOptions(options);
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? (() => Date.now() / 1000);
  const cacheSeconds = options.cacheSeconds ?? DEFAULT_CACHE_SECONDS;
  const minRefetch = options.minRefetchSeconds ?? DEFAULT_MIN_REFETCH_SECONDS;
  const maxStale = options.maxStaleSeconds ?? DEFAULT_MAX_STALE_SECONDS;
  const cache = sharedCache(options.cache);
  const ringOptions = {
    issuer: options.issuer,
    audience: options.audience,
    ...(options.tokenType !== undefined ? { tokenType: options.tokenType } : {}),
    ...(options.leewaySeconds !== undefined ? { leewaySeconds: options.leewaySeconds } : {}),
    now,
  };

  const native = options.nativeEd25519 ?? true;
  let ring = null; // the last good set: its KeyRing and imported keys
  let fetchedAt = -Infinity; // when that set was fetched (seconds)
  let lastAttempt = -Infinity; // when the network was last asked (seconds)
  let inFlight = null; // one refresh at a time: concurrent verifications share it
  let fetches = 0;

  async function readSet(fromNetworkOnly) {
    if (cache && !fromNetworkOnly) {
      const hit = await cache.match(url).catch(() => undefined);
      if (hit) return hit.text();
    }
    lastAttempt = now();
    fetches += 1;
    const response = await fetchImpl(url, { headers: { accept: "application/json" } });
    if (!response.ok) throw fail(`the JWKS answered ${response.status}`);
    const text = await response.text();
    if (cache) {
      const copy = new Response(text, { headers: { "content-type": "application/json", "cache-control": `max-age=${Math.floor(cacheSeconds)}` } });
      await cache.put(url, copy).catch(() => undefined);
    }
    return text;
  }

  /** Fetches and prepares the set; keeps the previous ring when that fails. */
  function refresh(fromNetworkOnly) {
    inFlight ??= (async () => {
      try {
        const text = await readSet(fromNetworkOnly);
        if (text.length > MAX_JWKS_BYTES) throw fail("the JWKS is over 64 KiB");
        // The old set is not freed here: a verification may be awaiting WebCrypto with it.
        // wasm-bindgen's finalizer releases its memory once nothing holds it.
        ring = preparedSet(new KeyRing({ jwks: text, ...ringOptions }));
        fetchedAt = now();
      } catch {
        // Fail closed: with no previous ring, verify answers jwks_unavailable; with one,
        // it stays in use (a rotation keeps old keys published) until a fetch succeeds.
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  }

  const mayFetch = () => now() - lastAttempt >= minRefetch;

  return {
    /** Network fetches of the JWKS so far (for tests and metrics). */
    get fetches() {
      return fetches;
    },
    async verify(token) {
      // Missing or expired: fetch, unless the network was asked too recently (a failing
      // JWKS host is not hammered; a stale set stays in use meanwhile).
      if ((ring === null || now() - fetchedAt >= cacheSeconds) && mayFetch()) await refresh(false);
      // A set kept through failed refetches is trusted for maxStaleSeconds more, then no
      // longer: a key the issuer removed (say, compromised) must not live on forever here.
      if (ring === null || now() - fetchedAt >= cacheSeconds + maxStale) return { ok: false, reason: "jwks_unavailable" };
      let result = await verifyIn(ring, token, native);
      if (!result.ok && result.reason === "unknown_kid" && mayFetch()) {
        await refresh(true);
        result = await verifyIn(ring, token, native);
      }
      return result;
    },
  };
}
