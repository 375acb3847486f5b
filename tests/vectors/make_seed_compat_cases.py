#!/usr/bin/env python3
"""Builds seed_compat_cases.json: tokens for the seed's two-argument verifyJWT(token, secret).

Seed-era signers (jose, hono/jwt, jsonwebtoken, fast-jwt, @tsndr/cloudflare-worker-jwt)
often write no `iat` and no `jti`, may put any `kid` in the header, and add claims of
their own. The one-secret verifier must accept those, and still refuse everything the
strict profile refuses. Each case gives two expectations:

  drop_in  the one-secret verifier (the secret below, whatever the `kid`)
  ring     a kid-selecting key ring holding the same secret as kid "key-1"

Each is "valid" or a reason code. Policy: the package default (sub and exp required,
8192-byte limit, no leeway, typ "JWT"). Every token is built from explicit bytes with
Python's hmac; nothing here comes from the code under test. Deterministic: two runs
give byte-identical output.

  python3 make_seed_compat_cases.py [out.json]
"""
import base64, hashlib, hmac, json, os, sys

KEY = hashlib.sha256(b"hs256-jwt-test-vectors/primary-key").digest()  # same as jwt_hs256_cases.json
OTHER = hashlib.sha256(b"hs256-jwt-test-vectors/other-key").digest()
NOW = 1700000000


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def seg(v):
    return b64(v if isinstance(v, bytes) else (v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))).encode())


def sign(header, payload, key=KEY):
    si = seg(header) + "." + seg(payload)
    return si + "." + b64(hmac.new(key, si.encode(), hashlib.sha256).digest())


USER = {"sub": "user-1", "email": "ada@example.com", "name": "Ada", "exp": NOW + 3600}
cases = []


def case(name, token, drop_in, ring, note):
    cases.append({"name": name, "token": token, "key_b64url": b64(KEY), "now": NOW,
                  "drop_in": drop_in, "ring": ring, "note": note})


# --- what seed-era signers write: accepted by the one-secret verifier -------------------
case("no_iat_no_jti", sign({"alg": "HS256", "typ": "JWT"}, USER), "valid", "valid",
     "jsonwebtoken with noTimestamp, hono/jwt and @tsndr without iat")
case("no_typ", sign({"alg": "HS256"}, USER), "valid", "valid", "jose's default header")
case("typ_lowercase", sign({"alg": "HS256", "typ": "jwt"}, USER), "valid", "valid",
     "media types compare case-insensitively")
case("typ_application_jwt", sign({"alg": "HS256", "typ": "application/jwt"}, USER), "valid", "valid",
     "RFC 7515 4.1.9: the application/ prefix may be written")
case("iat_and_jti", sign({"alg": "HS256", "typ": "JWT"}, {**USER, "iat": NOW - 60, "jti": "j-1"}), "valid", "valid",
     "what generateJWT writes")
case("extra_claims", sign({"alg": "HS256", "typ": "JWT"},
                          {**USER, "iat": NOW - 1, "role": "admin", "tenant": {"id": 7, "tags": ["a", "b"]}, "scope": None}),
     "valid", "valid", "claims this package does not read")
case("kid_any_string", sign({"alg": "HS256", "typ": "JWT", "kid": "anything"}, USER), "valid", "unknown_kid",
     "jsonwebtoken keyid / jose setProtectedHeader({kid}) / fast-jwt kid")
case("kid_empty_string", sign({"alg": "HS256", "kid": ""}, USER), "valid", "unknown_kid", "")
case("kid_first_in_header", sign('{"kid":"2024-01","alg":"HS256","typ":"JWT"}', USER), "valid", "unknown_kid",
     "member order is not fixed")
case("kid_number", sign({"alg": "HS256", "typ": "JWT", "kid": 7}, USER), "valid", "malformed",
     "a hand-built header; the one-secret verifier ignores kid whatever it holds")
case("kid_null", sign({"alg": "HS256", "kid": None}, USER), "valid", "malformed", "")
case("kid_object", sign({"alg": "HS256", "kid": {"id": "k"}}, USER), "valid", "malformed", "")
case("kid_matches_ring", sign({"alg": "HS256", "typ": "JWT", "kid": "key-1"}, USER), "valid", "valid", "")
case("nbf_past", sign({"alg": "HS256"}, {**USER, "nbf": NOW - 10}), "valid", "valid", "")

# --- the anti-forgery rules still hold with any kid ----------------------------------------
case("kid_any_wrong_key", sign({"alg": "HS256", "kid": "anything"}, USER, OTHER), "bad_signature", "unknown_kid",
     "ignoring kid does not mean ignoring the MAC")
case("kid_ring_wrong_key", sign({"alg": "HS256", "kid": "key-1"}, USER, OTHER), "bad_signature", "bad_signature", "")
case("kid_any_alg_none", seg({"alg": "none", "kid": "anything"}) + "." + seg(USER) + ".", "unsupported_alg",
     "unsupported_alg", "alg pinning")
case("kid_any_alg_hs384", seg({"alg": "HS384", "kid": "anything"}) + "." + seg(USER) + "."
     + b64(hmac.new(KEY, (seg({"alg": "HS384", "kid": "anything"}) + "." + seg(USER)).encode(), hashlib.sha384).digest()),
     "unsupported_alg", "unsupported_alg", "")
case("kid_any_crit", sign({"alg": "HS256", "kid": "anything", "crit": ["exp"]}, USER), "unsupported_header",
     "unsupported_header", "")
case("kid_any_jwk", sign({"alg": "HS256", "kid": "anything", "jwk": {"kty": "oct", "k": b64(OTHER)}}, USER, OTHER),
     "unsupported_header", "unsupported_header", "an embedded key is never trusted")
case("kid_any_typ_other", sign({"alg": "HS256", "kid": "anything", "typ": "at+jwt"}, USER), "bad_typ", "unknown_kid",
     "typ is still checked")
case("kid_any_expired", sign({"alg": "HS256", "kid": "anything"}, {**USER, "exp": NOW}), "expired", "unknown_kid", "")
case("kid_any_nbf_future", sign({"alg": "HS256", "kid": "anything"}, {**USER, "nbf": NOW + 1}), "not_yet_valid",
     "unknown_kid", "")
case("kid_any_iat_future", sign({"alg": "HS256", "kid": "anything"}, {**USER, "iat": NOW + 1}), "issued_in_future",
     "unknown_kid", "")
case("kid_any_no_exp", sign({"alg": "HS256", "kid": "anything"}, {k: v for k, v in USER.items() if k != "exp"}),
     "invalid_claims", "unknown_kid", "a token that never expires is still refused")
case("kid_any_no_sub", sign({"alg": "HS256", "kid": "anything"}, {k: v for k, v in USER.items() if k != "sub"}),
     "invalid_claims", "unknown_kid", "")
case("kid_any_iat_string", sign({"alg": "HS256", "kid": "anything"}, {**USER, "iat": "now"}), "invalid_claims",
     "unknown_kid", "")
h, p = seg({"alg": "HS256", "kid": "anything"}), seg(USER) + "=" * (-len(seg(USER)) % 4 or 2)
case("kid_any_padded_payload_resigned", h + "." + p + "." + b64(hmac.new(KEY, (h + "." + p).encode(), hashlib.sha256).digest()),
     "malformed", "unknown_kid", "canonical base64url: MAC over a padded payload")
t = sign({"alg": "HS256", "kid": "anything"}, USER)
case("kid_any_sig_noncanonical", t[:-1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[
    ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(t[-1]) | 1)],
     "bad_signature", "bad_signature", "a 32-byte MAC has one spelling (decoded before the kid is looked up)")
case("kid_any_too_large", sign({"alg": "HS256", "kid": "anything"}, {**USER, "pad": "x" * 9000}), "too_large",
     "too_large", "size first, before any decoding")
case("kid_any_duplicate_alg", sign('{"alg":"none","kid":"anything","alg":"HS256"}', USER), "malformed", "malformed", "")
case("kid_duplicate", sign('{"alg":"HS256","kid":"a","kid":"b"}', USER), "malformed", "malformed",
     "duplicate members are refused in the header, kid included")

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "seed_compat_cases.json")
with open(out, "w", encoding="utf-8") as f:
    json.dump(cases, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(f"{len(cases)} cases -> {out}")
