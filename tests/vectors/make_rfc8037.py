#!/usr/bin/env python3
"""Writes rfc8037_ed25519.json: RFC 8037 appendix A.1-A.5 (the Ed25519 examples), values
transcribed from the RFC and re-checked here with Python's `cryptography` (OpenSSL)
Ed25519 and hashlib: x is the public key of d (A.1/A.2), the RFC 7638 thumbprint of A.2
is A.3's, signing A.4's input with d gives A.4's signature (Ed25519 is deterministic),
and that signature verifies under x (A.5). Exits non-zero if any check fails."""
import base64, hashlib, json, os, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives import serialization

def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def b64u_dec(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
HEADER = '{"alg":"EdDSA"}'
PAYLOAD = "Example of Ed25519 signing"
SIGNING_INPUT = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
SIGNATURE = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"

sk = Ed25519PrivateKey.from_private_bytes(b64u_dec(D))
pk_raw = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
checks = {
    "A.1/A.2: x is the public key of d": b64u(pk_raw) == X,
    "A.3: RFC 7638 thumbprint": b64u(hashlib.sha256(('{"crv":"Ed25519","kty":"OKP","x":"%s"}' % X).encode()).digest()) == THUMBPRINT,
    "A.4: signing input": b64u(HEADER.encode()) + "." + b64u(PAYLOAD.encode()) == SIGNING_INPUT,
    "A.4: signature": b64u(sk.sign(SIGNING_INPUT.encode())) == SIGNATURE,
}
try:
    Ed25519PublicKey.from_public_bytes(b64u_dec(X)).verify(b64u_dec(SIGNATURE), SIGNING_INPUT.encode())
    checks["A.5: verifies"] = True
except Exception:
    checks["A.5: verifies"] = False
for name, good in checks.items():
    print(("OK   " if good else "FAIL ") + name)
if not all(checks.values()):
    sys.exit(1)
# PKCS#8 and SPKI encodings of the same key (RFC 8410), as OpenSSL writes them: not part
# of RFC 8037, added so the DER readers are tested on an independent encoder's output.
pkcs8 = sk.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
spki = sk.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
out = {
    "source": "RFC 8037 appendix A (A.1-A.5), transcribed; checked by make_rfc8037.py",
    "A.1_private_jwk": {"kty": "OKP", "crv": "Ed25519", "d": D, "x": X},
    "A.2_public_jwk": {"kty": "OKP", "crv": "Ed25519", "x": X},
    "A.3_thumbprint": THUMBPRINT,
    "A.4_protected_header": HEADER,
    "A.4_payload": PAYLOAD,
    "A.4_signing_input": SIGNING_INPUT,
    "A.4_signature": SIGNATURE,
    "A.4_compact": SIGNING_INPUT + "." + SIGNATURE,
    "A.5_valid": True,
    "openssl_pkcs8_der_hex": pkcs8.hex(),
    "openssl_spki_der_hex": spki.hex(),
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "rfc8037_ed25519.json"), "w") as f:
    json.dump(out, f, indent=2)
    f.write("\n")
