#!/usr/bin/env python3
"""Re-check every data file in this directory with python's hmac/hashlib (no third-party code).
Exit status 0 = everything consistent.  Run from anywhere: python3 verify_all.py"""
import base64, hashlib, hmac, json, os, subprocess, sys, tempfile

D = os.path.dirname(os.path.abspath(__file__))
ok = True


def b64u_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def report(name, good, detail=""):
    global ok
    ok &= good
    print(("OK   " if good else "FAIL ") + name + (": " + detail if detail else ""))


# 1. Wycheproof HMAC-SHA256 (MAC tags may be truncated to tagSize bits)
w = json.load(open(os.path.join(D, "wycheproof_hmac_sha256_test.json")))
bad = []
for g in w["testGroups"]:
    for t in g["tests"]:
        m = hmac.new(bytes.fromhex(t["key"]), bytes.fromhex(t["msg"]), hashlib.sha256).digest()[: g["tagSize"] // 8]
        if (m == bytes.fromhex(t["tag"])) != (t["result"] == "valid"):
            bad.append(t["tcId"])
n = sum(len(g["tests"]) for g in w["testGroups"])
report("wycheproof_hmac_sha256_test.json (%d tests)" % n, not bad and n == w["numberOfTests"], str(bad) if bad else "")

# 2. RFC 4231
r = json.load(open(os.path.join(D, "rfc4231_hmac_sha256.json")))
bad = [v["name"] for v in r
       if hmac.new(bytes.fromhex(v["key_hex"]), bytes.fromhex(v["data_hex"]), hashlib.sha256).hexdigest()[: v.get("truncated_bits", 256) // 4] != v["mac_hex"]]
report("rfc4231_hmac_sha256.json (%d cases)" % len(r), not bad and len(r) == 7, str(bad) if bad else "")

# 3. RFC JWS examples
j = json.load(open(os.path.join(D, "jws_hs256_rfc.json")))
bad = []
for v in j:
    h, p, s = v["compact"].split(".")
    payload = v["payload_json"] if v["payload_json"] is not None else v["payload_text"]
    if (b64u(hmac.new(b64u_dec(v["key_b64url"]), (h + "." + p).encode(), hashlib.sha256).digest()) != s
            or b64u_dec(h) != v["header_json"].encode() or b64u_dec(p) != payload.encode()):
        bad.append(v["name"])
report("jws_hs256_rfc.json (%d examples)" % len(j), not bad, str(bad) if bad else "")

# 4. Wycheproof JWS HS256 subset: recompute strict verdicts, compare with recorded disagreements
sub = json.load(open(os.path.join(D, "wycheproof_jws_hs256_subset.json")))
recorded = {d["tcId"] for d in sub["local_disagreements"]}
import re
B = re.compile(r"^[A-Za-z0-9_-]*$")


def strict(s):
    if not B.match(s) or len(s) % 4 == 1 or b64u(b64u_dec(s)) != s:
        raise ValueError
    return b64u_dec(s)


found = set()
for g in sub["testGroups"]:
    key = b64u_dec(g["private"]["k"])
    for t in g["tests"]:
        parts = t["jws"].split(".")
        res = "invalid"
        try:
            if len(parts) == 3:
                h, p, s = parts
                hd = json.loads(strict(h)); strict(p)
                if isinstance(hd, dict) and hd.get("alg") == "HS256" and hmac.compare_digest(
                        strict(s), hmac.new(key, (h + "." + p).encode(), hashlib.sha256).digest()):
                    res = "valid"
        except Exception:
            pass
        if res != t["result"]:
            found.add(t["tcId"])
report("wycheproof_jws_hs256_subset.json (%d tests)" % sub["numberOfTests"], found == recorded,
       "upstream-label disagreements (expected, documented): %s" % sorted(found))

# 5. JWT cases: regenerate and compare byte-for-byte (generator self-checks with its reference verifier)
with tempfile.TemporaryDirectory() as td:
    out = os.path.join(td, "c.json")
    rc = subprocess.run([sys.executable, os.path.join(D, "make_jwt_cases.py"), out], capture_output=True, text=True)
    same = rc.returncode == 0 and open(out, "rb").read() == open(os.path.join(D, "jwt_hs256_cases.json"), "rb").read()
    report("jwt_hs256_cases.json regenerates identically", same, rc.stdout.strip())
cases = json.load(open(os.path.join(D, "jwt_hs256_cases.json")))
bad = []
for c in cases:
    if c["expect"] == "valid":
        h, p, s = c["token"].split(".")
        if b64u(hmac.new(b64u_dec(c["key_b64url"]), (h + "." + p).encode(), hashlib.sha256).digest()) != s:
            bad.append(c["name"])
report("jwt_hs256_cases.json valid tokens carry correct MACs", not bad, str(bad) if bad else "")

# 6. Seed-era compatibility cases (added in this repository): regenerate and compare.
with tempfile.TemporaryDirectory() as td:
    out = os.path.join(td, "s.json")
    rc = subprocess.run([sys.executable, os.path.join(D, "make_seed_compat_cases.py"), out], capture_output=True, text=True)
    same = rc.returncode == 0 and open(out, "rb").read() == open(os.path.join(D, "seed_compat_cases.json"), "rb").read()
    report("seed_compat_cases.json regenerates identically", same, rc.stdout.strip())
sys.exit(0 if ok else 1)
