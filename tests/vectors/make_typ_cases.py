#!/usr/bin/env python3
"""Generate jwt_typ_cases.json: explicit token typing (RFC 8725 §3.11, RFC 9068 §2.1).

A verifier configured with a token type ("at+jwt") must refuse a token whose `typ`
header is absent or names anything else, and accept "at+jwt" in any letter case, with
or without the "application/" prefix (RFC 7515 §4.1.9). Tokens are built here from
explicit bytes with hmac/hashlib/base64/json only (no JWT library, no clock), so the
file is reproducible:

    python3 make_typ_cases.py [output.json]   # default: jwt_typ_cases.json next to this file

Case fields: name, token, key_b64url, now, token_type (the verifier's configured type),
issuer, audience (the verifier's binding), expect ("valid" | "invalid"), reason_code
(the stable code a refusal must carry), why.
"""
import base64
import hashlib
import hmac
import json
import os
import sys

NOW = 1700000000
KEY = hashlib.sha256(b"hs256-jwt-test-vectors/typ-key").digest()  # 32 bytes
ISS = "https://auth.example.com"
AUD = "hybrid-auth"


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def token(header: dict, claims: dict, key: bytes = KEY) -> str:
    h = b64u(json.dumps(header, separators=(",", ":")).encode())
    p = b64u(json.dumps(claims, separators=(",", ":")).encode())
    mac = hmac.new(key, f"{h}.{p}".encode(), hashlib.sha256).digest()
    return f"{h}.{p}.{b64u(mac)}"


BOUND = {"sub": "u-1", "iss": ISS, "aud": AUD, "iat": NOW - 60, "exp": NOW + 3600, "jti": "j-1"}

CASES = [
    # (name, header, claims, expect, reason_code, why)
    ("typ_at_jwt", {"alg": "HS256", "typ": "at+jwt"}, BOUND, "valid", None, "the configured type"),
    ("typ_at_jwt_upper", {"alg": "HS256", "typ": "AT+JWT"}, BOUND, "valid", None, "media types compare case-insensitively"),
    ("typ_application_at_jwt", {"alg": "HS256", "typ": "application/at+jwt"}, BOUND, "valid", None, "RFC 7515 4.1.9: the application/ prefix may be written"),
    ("typ_application_mixed_case", {"alg": "HS256", "typ": "Application/At+Jwt"}, BOUND, "valid", None, "prefix and type, any case"),
    ("typ_at_jwt_with_kid", {"alg": "HS256", "typ": "at+jwt", "kid": "typ-key"}, BOUND, "valid", None, "kid naming the ring's key"),
    ("typ_absent", {"alg": "HS256"}, BOUND, "invalid", "bad_typ", "RFC 9068 2.1: at+jwt MUST be present; an untyped token may be any kind"),
    ("typ_jwt", {"alg": "HS256", "typ": "JWT"}, BOUND, "invalid", "bad_typ", "a generic JWT is not an access token"),
    ("typ_application_jwt", {"alg": "HS256", "typ": "application/jwt"}, BOUND, "invalid", "bad_typ", "the generic type with its prefix"),
    ("typ_dpop_jwt", {"alg": "HS256", "typ": "dpop+jwt"}, BOUND, "invalid", "bad_typ", "another kind of JWT (RFC 9449)"),
    ("typ_id_token", {"alg": "HS256", "typ": "id_token+jwt"}, BOUND, "invalid", "bad_typ", "an ID token is not an access token"),
    ("typ_text_prefix", {"alg": "HS256", "typ": "text/at+jwt"}, BOUND, "invalid", "bad_typ", "only application/ may be left out"),
    ("typ_trailing_space", {"alg": "HS256", "typ": "at+jwt "}, BOUND, "invalid", "bad_typ", "exact comparison apart from case"),
    ("typ_empty", {"alg": "HS256", "typ": ""}, BOUND, "invalid", "bad_typ", "empty is not the type"),
    ("typ_prefix_only", {"alg": "HS256", "typ": "application/"}, BOUND, "invalid", "bad_typ", "prefix without a type"),
    ("typ_not_a_string", {"alg": "HS256", "typ": ["at+jwt"]}, BOUND, "invalid", "malformed", "typ is a string (RFC 7515 4.1.9)"),
    ("typ_ok_foreign_aud", {"alg": "HS256", "typ": "at+jwt"}, {**BOUND, "aud": "billing-service"}, "invalid", "wrong_audience", "typed, but minted for another audience"),
    ("typ_ok_foreign_iss", {"alg": "HS256", "typ": "at+jwt"}, {**BOUND, "iss": "https://evil.example"}, "invalid", "wrong_issuer", "typed, but from another issuer"),
    ("typ_ok_no_aud", {"alg": "HS256", "typ": "at+jwt"}, {k: v for k, v in BOUND.items() if k != "aud"}, "invalid", "wrong_audience", "aud is required"),
    ("typ_ok_no_iss", {"alg": "HS256", "typ": "at+jwt"}, {k: v for k, v in BOUND.items() if k != "iss"}, "invalid", "wrong_issuer", "iss is required"),
    ("typ_ok_aud_list", {"alg": "HS256", "typ": "at+jwt"}, {**BOUND, "aud": ["billing-service", AUD]}, "valid", None, "aud as a list containing ours (RFC 7519 4.1.3)"),
]


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "jwt_typ_cases.json")
    cases = []
    for name, header, claims, expect, code, why in CASES:
        cases.append({
            "name": name,
            "token": token(header, claims),
            "key_b64url": b64u(KEY),
            "now": NOW,
            "token_type": "at+jwt",
            "issuer": ISS,
            "audience": AUD,
            "expect": expect,
            "reason_code": code,
            "why": why,
        })
    with open(out, "w", encoding="utf-8") as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
