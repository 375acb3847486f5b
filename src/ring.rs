//! A key ring: the keys that may verify tokens, the one that signs, and the policy.
//! Built once (per isolate in a Worker); `verify` turns an untrusted string into either
//! a [`Verified`] token or a [`Rejected`] reason, and never fails any other way.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use alloc::vec;

use crate::b64;
use crate::claims::Claims;
use crate::ed25519::{EdKey, SIGNATURE_BYTES};
use crate::error::ConfigError;
use crate::json::{self, Value};
use crate::key::{HmacKey, MAC_BYTES};
use crate::options::Policy;
use crate::reason::Reason;
use crate::text::{cat, push_int, Piece::*};
use crate::token::{self, Header, Kid, Segments};

pub const MAX_KEYS: usize = 16;
pub const MAX_KID_BYTES: usize = 128;

/// A JWS algorithm this crate implements. Each key has exactly one: the algorithm is a
/// property of the key, never taken from the token (RFC 8725 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Hs256,
    EdDsa,
}

impl Alg {
    pub const fn name(self) -> &'static str {
        match self {
            Alg::Hs256 => "HS256",
            Alg::EdDsa => "EdDSA",
        }
    }
}

/// A key as a ring holds it: HS256 (a prepared HMAC) or Ed25519 (RFC 8037 "EdDSA").
// At most 16 keys per ring, built once: the 424 bytes of an Ed25519 key are cheaper
// inline than a heap indirection on every verification.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub enum Key {
    Hs256(HmacKey),
    Ed25519(EdKey),
}

impl Key {
    pub fn alg(&self) -> Alg {
        match self {
            Key::Hs256(_) => Alg::Hs256,
            Key::Ed25519(_) => Alg::EdDsa,
        }
    }

    fn can_sign(&self) -> bool {
        match self {
            Key::Hs256(_) => true,
            Key::Ed25519(k) => k.can_sign(),
        }
    }
}

/// How an Ed25519 signature is checked: here, or by the caller (its verdict).
#[derive(Clone, Copy)]
enum EdCheck {
    Compute,
    Verdict(bool),
}

/// What a caller with a native Ed25519 checks for an EdDSA token (see
/// [`KeyRing::ed25519_request`]).
#[derive(Debug)]
pub struct Ed25519Request<'t> {
    /// The key the ring selected.
    pub kid: &'t str,
    pub public_key: [u8; crate::ed25519::PUBLIC_KEY_BYTES],
    /// The JWS signing input, `header.payload`.
    pub message: &'t [u8],
    pub signature: [u8; SIGNATURE_BYTES],
}

/// A token's signature, decoded to the length its algorithm has.
enum Sig {
    Mac([u8; MAC_BYTES]),
    Ed([u8; SIGNATURE_BYTES]),
}

struct RingKey {
    kid: String,
    key: Key,
    /// `base64url({"alg":<alg>,"typ":<tokenType or "JWT">,"kid":...})`, computed once.
    header_b64: String,
}

/// `base64url({"alg":"HS256","typ":"JWT"})`: the header of `generateJWT`'s tokens.
const PLAIN_HEADER_B64: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

pub struct KeyRing {
    keys: Vec<RingKey>,
    /// `None` for a ring that only verifies (one built from a fetched JWKS).
    signer: Option<usize>,
    policy: Policy,
    kid_rule: KidRule,
}

/// How the `kid` header picks the key that checks a token's MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KidRule {
    /// A `kid` names the one key to try (unknown: refused; not a string: malformed);
    /// without one, every key is tried. For rings built from configured keys.
    Select,
    /// `kid` is ignored, whatever it holds, and every key is tried. For the seed's
    /// one-secret `verifyJWT`: other signers put arbitrary `kid` values in their
    /// headers, and with one secret the value can only be a hint we do not need.
    Ignore,
}

/// An authentic token whose claims passed the policy (or, inside [`Rejected`], an
/// authentic token that has expired).
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The `kid` of the key that verified it.
    pub kid: String,
    /// The claims set as JSON text, already validated by the strict parser.
    pub payload: String,
    pub claims: Claims,
}

/// An authentic JWS: which key verified it and its decoded payload.
pub struct Jws<'r> {
    pub kid: &'r str,
    pub payload: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub reason: Reason,
    /// Present only for [`Reason::Expired`]: the token was authentic, so a refresh flow
    /// may learn whose it was without an unverified decode.
    pub expired: Option<Box<Verified>>,
}

impl From<Reason> for Rejected {
    fn from(reason: Reason) -> Rejected {
        Rejected {
            reason,
            expired: None,
        }
    }
}

/// What the caller asks to sign, beyond the claims themselves.
pub struct SignRequest<'a> {
    /// The claims as a JSON object text.
    pub claims_json: &'a str,
    /// Sets `exp = floor(now) + expires_in` when the claims carry no `exp`.
    pub expires_in: Option<f64>,
    pub now: f64,
}

/// Longest lifetime `expires_in` accepts: one year. Long-lived access tokens defeat
/// revocation; refresh tokens are the tool for long sessions.
pub const MAX_LIFETIME_SECONDS: f64 = 31_536_000.0;

impl KeyRing {
    /// `keys` are `(kid, secret)` pairs (HS256); `sign_with` names the signing key.
    pub fn new(
        keys: Vec<(String, Vec<u8>)>,
        sign_with: &str,
        policy: Policy,
    ) -> Result<KeyRing, ConfigError> {
        let mut typed = Vec::with_capacity(keys.len());
        for (i, (kid, secret)) in keys.into_iter().enumerate() {
            let what = cat(&[T("keys["), N(i as u64), T("].secret")]);
            typed.push((kid, Key::Hs256(HmacKey::for_jwt(&secret, &what)?)));
        }
        KeyRing::with_keys(typed, Some(sign_with), policy)
    }

    /// A ring of keys of either algorithm. `sign_with` names the signing key (which must
    /// hold its private half); `None` makes a ring that only verifies.
    pub fn with_keys(
        keys: Vec<(String, Key)>,
        sign_with: Option<&str>,
        policy: Policy,
    ) -> Result<KeyRing, ConfigError> {
        policy.validate()?;
        if keys.is_empty() || keys.len() > MAX_KEYS {
            return Err(ConfigError::new(cat(&[
                T("a key ring needs between 1 and "),
                N(MAX_KEYS as u64),
                T(" keys"),
            ])));
        }
        let mut ring_keys: Vec<RingKey> = Vec::with_capacity(keys.len());
        for (i, (kid, key)) in keys.into_iter().enumerate() {
            if kid.is_empty() || kid.len() > MAX_KID_BYTES {
                return Err(ConfigError::new(cat(&[
                    T("keys["),
                    N(i as u64),
                    T("].kid must be a non-empty string of at most "),
                    N(MAX_KID_BYTES as u64),
                    T(" bytes"),
                ])));
            }
            if ring_keys.iter().any(|k| k.kid == kid) {
                return Err(ConfigError::new(cat(&[
                    T("keys["),
                    N(i as u64),
                    T("].kid is a duplicate"),
                ])));
            }
            let mut header = String::from(r#"{"alg":"#);
            json::write_string(&mut header, key.alg().name());
            header.push_str(r#","typ":"#);
            json::write_string(&mut header, policy.written_typ());
            header.push_str(r#","kid":"#);
            json::write_string(&mut header, &kid);
            header.push('}');
            ring_keys.push(RingKey {
                kid,
                key,
                header_b64: b64::encode(header.as_bytes()),
            });
        }
        let signer = match sign_with {
            None => None,
            Some(sign_with) => {
                let i = ring_keys
                    .iter()
                    .position(|k| k.kid == sign_with)
                    .ok_or_else(|| {
                        ConfigError::new("signWith must name the kid of one of the keys")
                    })?;
                if !ring_keys.get(i).is_some_and(|k| k.key.can_sign()) {
                    return Err(ConfigError::new(
                        "signWith names a public key: the signing key needs its private half (a JWK with d, or PKCS#8)",
                    ));
                }
                Some(i)
            }
        };
        Ok(KeyRing {
            keys: ring_keys,
            signer,
            policy,
            kid_rule: KidRule::Select,
        })
    }

    /// A ring that only verifies, from a JWKS text (its Ed25519 keys; see
    /// [`crate::jwk::parse_jwks`] for what is refused).
    pub fn from_jwks(jwks: &str, policy: Policy) -> Result<KeyRing, ConfigError> {
        let keys = crate::jwk::parse_jwks(jwks)?
            .into_iter()
            .map(|(kid, key)| (kid, Key::Ed25519(key)))
            .collect();
        KeyRing::with_keys(keys, None, policy)
    }

    /// The public JWKS of the ring's Ed25519 keys: `{"keys":[...]}` (empty for an
    /// HS256-only ring: secrets are never published).
    pub fn public_jwks(&self) -> String {
        let mut s = String::from(r#"{"keys":["#);
        let mut first = true;
        for k in &self.keys {
            if let Key::Ed25519(key) = &k.key {
                if !first {
                    s.push(',');
                }
                first = false;
                s.push_str(&crate::jwk::public_jwk_json(&k.kid, key));
            }
        }
        s.push_str("]}");
        s
    }

    /// The ring behind the seed's two-argument `verifyJWT`/`generateJWT`: one secret,
    /// named by its derived kid, that verifies tokens whatever their `kid` header holds.
    /// Every other rule (alg, header parameters, MAC before claims, canonical
    /// base64url, size, `typ`, claim types and times) is the same as [`KeyRing::new`]'s.
    pub fn drop_in(secret: Vec<u8>, policy: Policy) -> Result<KeyRing, ConfigError> {
        let key = HmacKey::for_jwt(&secret, "secret")?;
        let kid = crate::key::derive_kid(&key);
        let mut ring = KeyRing::new(vec![(kid.clone(), secret)], &kid, policy)?;
        ring.kid_rule = KidRule::Ignore;
        Ok(ring)
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn signing_kid(&self) -> &str {
        self.signer_key().map_or("", |k| k.kid.as_str())
    }

    /// The algorithm of the signing key (`None` for a ring that only verifies).
    pub fn signing_alg(&self) -> Option<Alg> {
        self.signer_key().map(|k| k.key.alg())
    }

    fn signer_key(&self) -> Option<&RingKey> {
        self.signer.and_then(|i| self.keys.get(i))
    }

    /// Verifies `token` at time `now` (seconds since the epoch).
    pub fn verify(&self, token: &str, now: f64) -> Result<Verified, Rejected> {
        self.verify_with(token, now, EdCheck::Compute)
    }

    /// [`KeyRing::verify`] for an EdDSA token whose Ed25519 signature the caller has
    /// checked itself, with the key, message and signature [`KeyRing::ed25519_request`]
    /// handed out for this token (workerd's native Ed25519 is about 2.8x the wasm one:
    /// bench/notes.md, "EdDSA"). Every other step is the same: header, key selection,
    /// `typ`, claims. `signature_valid` false is `bad_signature`. Without a `kid` and with
    /// more than one Ed25519 key there is no single key the verdict could be about:
    /// refused (`ed25519_request` answers `None` for such a token, so that callers use
    /// [`KeyRing::verify`]). An HS256 token is verified as by `verify`.
    pub fn verify_with_ed25519_verdict(
        &self,
        token: &str,
        now: f64,
        signature_valid: bool,
    ) -> Result<Verified, Rejected> {
        self.verify_with(token, now, EdCheck::Verdict(signature_valid))
    }

    /// The Ed25519 check an EdDSA token needs, for a caller that runs it natively (then
    /// [`KeyRing::verify_with_ed25519_verdict`]): `Ok(None)` when the token is not EdDSA
    /// or names no `kid` while the ring holds several Ed25519 keys (use `verify`), an
    /// error for what `verify` would refuse before the signature (size, structure,
    /// header, unknown `kid`, algorithm, a signature of the wrong length), and
    /// `bad_signature` for a signature that `verify_strict` refuses whatever the key:
    /// a non-canonical `S` or `R`, or a small-order `R` (native verifiers accept the
    /// last, so the two paths answer alike only with this check here).
    pub fn ed25519_request<'t>(
        &'t self,
        token: &'t str,
    ) -> Result<Option<Ed25519Request<'t>>, Reason> {
        if token.len() > self.policy.max_token_bytes {
            return Err(Reason::TooLarge);
        }
        let seg = token::split(token).ok_or(Reason::Malformed)?;
        let header = self.header(seg.header_b64)?;
        if header.alg != Alg::EdDsa {
            return Ok(None);
        }
        let kid = self.selecting_kid(&header)?;
        if !self.keys.iter().any(|k| k.key.alg() == Alg::EdDsa) {
            return Err(Reason::UnsupportedAlg);
        }
        let signature: [u8; SIGNATURE_BYTES] =
            b64::decode_exact(seg.signature_b64).ok_or(Reason::BadSignature)?;
        let Some(k) = self.ed25519_key_for(kid.as_deref())? else {
            return Ok(None);
        };
        let Key::Ed25519(key) = &k.key else {
            return Err(Reason::UnsupportedAlg);
        };
        if !crate::ed25519::strict_signature_form(&signature) {
            return Err(Reason::BadSignature);
        }
        Ok(Some(Ed25519Request {
            kid: &k.kid,
            public_key: key.public_bytes(),
            message: seg.signing_input.as_bytes(),
            signature,
        }))
    }

    /// The key a token's `kid` names, which must be of the token's algorithm (an HS256
    /// token naming an Ed25519 key is `unsupported_alg`, never an HMAC keyed with public bytes).
    fn key_named(&self, kid: &str, alg: Alg) -> Result<&RingKey, Reason> {
        let k = self
            .keys
            .iter()
            .find(|k| k.kid == kid)
            .ok_or(Reason::UnknownKid)?;
        if k.key.alg() != alg {
            return Err(Reason::UnsupportedAlg);
        }
        Ok(k)
    }

    /// The one Ed25519 key a token's signature is about: the `kid`'s (its algorithm must
    /// be EdDSA), or without one the ring's only Ed25519 key (`None` with several).
    fn ed25519_key_for(&self, kid: Option<&str>) -> Result<Option<&RingKey>, Reason> {
        match kid {
            Some(kid) => self.key_named(kid, Alg::EdDsa).map(Some),
            None => {
                let mut eds = self.keys.iter().filter(|k| k.key.alg() == Alg::EdDsa);
                match (eds.next(), eds.next()) {
                    (Some(only), None) => Ok(Some(only)),
                    _ => Ok(None),
                }
            }
        }
    }

    /// The `kid` that selects a key, under the ring's kid rule.
    fn selecting_kid(&self, header: &Header) -> Result<Option<String>, Reason> {
        match (self.kid_rule, &header.kid) {
            (KidRule::Ignore, _) | (KidRule::Select, Kid::Absent) => Ok(None),
            (KidRule::Select, Kid::Str(kid)) => Ok(Some(kid.clone())),
            (KidRule::Select, Kid::NotAString) => Err(Reason::Malformed),
        }
    }

    fn verify_with(&self, token: &str, now: f64, ed: EdCheck) -> Result<Verified, Rejected> {
        let jws = self.verify_jws_with(token, ed)?;
        let payload = String::from_utf8(jws.payload).map_err(|_| Reason::Malformed)?;
        let claims = {
            let value = json::parse(&payload).map_err(|_| Reason::Malformed)?;
            Claims::from_object(&value)?
        };
        let outcome = claims.check(&self.policy, now);
        let verified = Verified {
            kid: String::from(jws.kid),
            payload,
            claims,
        };
        match outcome {
            Ok(()) => Ok(verified),
            Err(Reason::Expired) => Err(Rejected {
                reason: Reason::Expired,
                expired: Some(Box::new(verified)),
            }),
            Err(reason) => Err(reason.into()),
        }
    }

    /// The JWS layer alone: size, structure, header, MAC, `typ`, and the payload's
    /// canonical base64url. The payload bytes are returned uninterpreted.
    pub fn verify_jws(&self, token: &str) -> Result<Jws<'_>, Reason> {
        self.verify_jws_with(token, EdCheck::Compute)
    }

    fn verify_jws_with(&self, token: &str, ed: EdCheck) -> Result<Jws<'_>, Reason> {
        // Size first: nothing of an oversized token is decoded.
        if token.len() > self.policy.max_token_bytes {
            return Err(Reason::TooLarge);
        }
        let seg = token::split(token).ok_or(Reason::Malformed)?;
        let header = self.header(seg.header_b64)?;
        let kid = self.selecting_kid(&header)?;
        let key = self.authenticate(&seg, header.alg, kid.as_deref(), ed)?;
        // Only an authentic token gets its remaining header and its payload examined.
        // With a `tokenType`, a missing `typ` is refused too (RFC 8725 §3.11).
        if !self.policy.header_typ_ok(header.typ.as_deref()) {
            return Err(Reason::BadTyp);
        }
        let payload = b64::decode(seg.payload_b64).ok_or(Reason::Malformed)?;
        Ok(Jws {
            kid: &key.kid,
            payload,
        })
    }

    /// The parsed header. The headers this ring writes are recognised by their exact
    /// text and mapped to the value parsing them would give, skipping the decode.
    fn header(&self, header_b64: &str) -> Result<Header, Reason> {
        if header_b64 == PLAIN_HEADER_B64 {
            return Ok(Header {
                alg: Alg::Hs256,
                kid: Kid::Absent,
                typ: Some(String::from("JWT")),
            });
        }
        if let Some(k) = self.keys.iter().find(|k| k.header_b64 == header_b64) {
            return Ok(Header {
                alg: k.key.alg(),
                kid: Kid::Str(k.kid.clone()),
                typ: self.policy.typ.first().cloned(),
            });
        }
        token::parse_header(header_b64)
    }

    /// Checks the signature. The token's `alg` must be one the ring holds a key for
    /// (else `unsupported_alg`, before anything is decoded); a token with a (selecting)
    /// `kid` is checked against that key only, and that key's algorithm must be the
    /// token's (an HS256 token naming an Ed25519 key is `unsupported_alg`, never an
    /// HMAC keyed with public bytes); one without `kid` against every key of its `alg`.
    fn authenticate(
        &self,
        seg: &Segments<'_>,
        alg: Alg,
        kid: Option<&str>,
        ed: EdCheck,
    ) -> Result<&RingKey, Reason> {
        if !self.keys.iter().any(|k| k.key.alg() == alg) {
            return Err(Reason::UnsupportedAlg);
        }
        if let (Alg::EdDsa, EdCheck::Verdict(valid)) = (alg, ed) {
            // The caller checked the signature natively against the key, message and
            // signature `ed25519_request` named: the same selection, and the same form
            // checks (run again: this token may not be the one it asked about).
            let sig: [u8; SIGNATURE_BYTES] =
                b64::decode_exact(seg.signature_b64).ok_or(Reason::BadSignature)?;
            let k = self.ed25519_key_for(kid)?.ok_or(Reason::BadSignature)?;
            return if valid && crate::ed25519::strict_signature_form(&sig) {
                Ok(k)
            } else {
                Err(Reason::BadSignature)
            };
        }
        let sig = match alg {
            Alg::Hs256 => {
                Sig::Mac(b64::decode_exact(seg.signature_b64).ok_or(Reason::BadSignature)?)
            }
            Alg::EdDsa => {
                Sig::Ed(b64::decode_exact(seg.signature_b64).ok_or(Reason::BadSignature)?)
            }
        };
        let input = seg.signing_input.as_bytes();
        let checks = |k: &RingKey| match (&k.key, &sig) {
            (Key::Hs256(key), Sig::Mac(tag)) => key.verify(input, tag),
            (Key::Ed25519(key), Sig::Ed(sig)) => key.verify(input, sig),
            _ => false,
        };
        match kid {
            Some(kid) => {
                let k = self.key_named(kid, alg)?;
                if checks(k) {
                    Ok(k)
                } else {
                    Err(Reason::BadSignature)
                }
            }
            None => self
                .keys
                .iter()
                .filter(|k| k.key.alg() == alg)
                .find(|k| checks(k))
                .ok_or(Reason::BadSignature),
        }
    }

    /// Signs a claims object with the signing key, adding `kid` to the header and the
    /// claims the policy needs: `iat` and `jti` when absent, `exp` from `expires_in`,
    /// `iss`/`aud` when configured. Refuses to produce a token `verify` would refuse.
    pub fn sign(
        &self,
        req: &SignRequest<'_>,
        new_jti: impl FnOnce() -> Result<String, ConfigError>,
    ) -> Result<String, ConfigError> {
        let key = self
            .signer_key()
            .ok_or_else(|| ConfigError::new("this key ring only verifies (no signing key)"))?;
        let payload = self.complete_claims(req, new_jti)?;
        self.seal(&key.key, &key.header_b64, &payload)
    }

    /// Signs with the signing key under the plain `{"alg":"HS256","typ":"JWT"}` header.
    /// For the drop-in ring (`generateJWT`), which accepts "JWT": a ring that types its
    /// tokens otherwise would refuse the result (no runtime check: the .wasm budget; the JS API never
    /// reaches this with such a ring).
    pub fn sign_plain(&self, payload_json: &str) -> Result<String, ConfigError> {
        let key = self
            .signer_key()
            .filter(|k| k.key.alg() == Alg::Hs256)
            .ok_or_else(|| ConfigError::new("no HS256 signing key"))?;
        self.seal(&key.key, PLAIN_HEADER_B64, payload_json)
    }

    fn seal(&self, key: &Key, header_b64: &str, payload: &str) -> Result<String, ConfigError> {
        let mut token = String::with_capacity(header_b64.len() + payload.len() * 4 / 3 + 90);
        token.push_str(header_b64);
        token.push('.');
        b64::encode_into(payload.as_bytes(), &mut token);
        match key {
            Key::Hs256(key) => {
                let tag = key.tag(token.as_bytes());
                token.push('.');
                b64::encode_into(&tag, &mut token);
            }
            Key::Ed25519(key) => {
                let sig = key
                    .sign(token.as_bytes())
                    .ok_or_else(|| ConfigError::new("the signing key has no private half"))?;
                token.push('.');
                b64::encode_into(&sig, &mut token);
            }
        }
        if token.len() > self.policy.max_token_bytes {
            return Err(ConfigError::new(cat(&[
                T("the signed token would be "),
                N(token.len() as u64),
                T(" bytes, over maxTokenBytes ("),
                N(self.policy.max_token_bytes as u64),
                T("); sign fewer or shorter claims"),
            ])));
        }
        Ok(token)
    }

    fn complete_claims(
        &self,
        req: &SignRequest<'_>,
        new_jti: impl FnOnce() -> Result<String, ConfigError>,
    ) -> Result<String, ConfigError> {
        let text = req.claims_json.trim();
        let value = json::parse(text)
            .map_err(|_| ConfigError::new("claims must be a JSON-serialisable object"))?;
        let Value::Object(members) = &value else {
            return Err(ConfigError::new("claims must be an object"));
        };
        let claims = Claims::from_object(&value).map_err(|_| {
            ConfigError::new(
                "claims have a registered claim of the wrong type (sub, jti, iss: strings; exp, nbf, iat: finite numbers; aud: string or string array)",
            )
        })?;
        if !req.now.is_finite() || !(0.0..=1e15).contains(&req.now) {
            return Err(ConfigError::new("the clock returned an invalid time"));
        }
        let now = crate::num::floor(req.now);
        let mut extra = String::new();
        let mut add = |name: &str, json_value: &str| {
            extra.push(',');
            json::write_string(&mut extra, name);
            extra.push(':');
            extra.push_str(json_value);
        };
        if self.policy.require_sub && claims.sub.as_deref().is_none_or(str::is_empty) {
            return Err(ConfigError::new("claims.sub must be a non-empty string"));
        }
        let exp = match (claims.exp, req.expires_in) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::new(
                    "give either claims.exp or expiresInSeconds, not both",
                ))
            }
            (Some(exp), None) => exp,
            (None, Some(ttl)) => {
                check_lifetime(ttl)?;
                let exp = now + ttl;
                add("exp", &format_int(exp));
                exp
            }
            (None, None) => {
                return Err(ConfigError::new(
                    "a token needs an expiry: pass expiresInSeconds or claims.exp",
                ))
            }
        };
        // Against the unrounded clock, as `verify` will judge it.
        if exp <= req.now {
            return Err(ConfigError::new("claims.exp must be in the future"));
        }
        if claims.iat.is_none() {
            add("iat", &format_int(now));
        }
        if claims.jti.is_none() {
            let mut s = String::new();
            json::write_string(&mut s, &new_jti()?);
            add("jti", &s);
        }
        if let Some(iss) = &self.policy.issuer {
            match &claims.iss {
                None => {
                    let mut s = String::new();
                    json::write_string(&mut s, iss);
                    add("iss", &s);
                }
                Some(given) if given == iss => {}
                Some(_) => {
                    return Err(ConfigError::new(
                        "claims.iss differs from the configured issuer",
                    ))
                }
            }
        }
        if let Some(aud) = &self.policy.audience {
            match &claims.aud {
                None => {
                    let mut s = String::new();
                    json::write_string(&mut s, aud);
                    add("aud", &s);
                }
                Some(list) if list.contains(aud) => {}
                Some(_) => {
                    return Err(ConfigError::new(
                        "claims.aud does not include the configured audience",
                    ))
                }
            }
        }
        // Splice the added members before the closing brace of the caller's object.
        let body = text
            .strip_suffix('}')
            .ok_or_else(|| ConfigError::new("claims must be an object"))?;
        let mut out = String::with_capacity(text.len() + extra.len());
        out.push_str(body);
        if members.is_empty() {
            out.push_str(extra.strip_prefix(',').unwrap_or(&extra));
        } else {
            out.push_str(&extra);
        }
        out.push('}');
        Ok(out)
    }
}

/// A positive whole number of seconds, at most a year.
pub fn check_lifetime(ttl: f64) -> Result<(), ConfigError> {
    if crate::num::is_whole(ttl) && (1.0..=MAX_LIFETIME_SECONDS).contains(&ttl) {
        Ok(())
    } else {
        Err(ConfigError::new(
            "expiresInSeconds must be a whole number of seconds between 1 and 31536000 (one year)",
        ))
    }
}

/// JSON text for a time we computed: whole seconds (callers floor the clock and check
/// lifetimes are whole), so integer formatting suffices and no float printer is linked.
pub fn format_int(n: f64) -> String {
    let mut s = String::new();
    push_int(&mut s, n as i64);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut must give exactly what parsing gives.
    #[test]
    fn known_headers_map_to_what_parsing_gives() {
        let ring =
            KeyRing::new(vec![("k1".into(), vec![1u8; 32])], "k1", Policy::default()).unwrap();
        assert_eq!(
            b64::decode(PLAIN_HEADER_B64).unwrap(),
            br#"{"alg":"HS256","typ":"JWT"}"#.to_vec()
        );
        for h in [PLAIN_HEADER_B64, ring.keys[0].header_b64.as_str()] {
            assert_eq!(ring.header(h), token::parse_header(h));
        }
        assert_eq!(
            ring.header(&ring.keys[0].header_b64).unwrap().kid,
            Kid::Str("k1".into())
        );
    }

    fn typed_ring(token_type: &str) -> KeyRing {
        let policy = Policy {
            issuer: Some("https://auth.example".into()),
            audience: Some("api".into()),
            typ: vec![token_type.into()],
            ..Policy::default()
        };
        KeyRing::new(vec![("k1".into(), vec![1u8; 32])], "k1", policy).unwrap()
    }

    fn header_json(token: &str) -> String {
        let h = token.split('.').next().unwrap();
        String::from_utf8(b64::decode(h).unwrap()).unwrap()
    }

    /// A token whose header is `header` and claims `claims`, MAC'd with the ring's key.
    fn raw(ring: &KeyRing, header: &str, claims: &str) -> String {
        let mut t = b64::encode(header.as_bytes());
        t.push('.');
        t.push_str(&b64::encode(claims.as_bytes()));
        let Key::Hs256(key) = &ring.keys[0].key else {
            panic!("an HS256 ring")
        };
        let tag = key.tag(t.as_bytes());
        t.push('.');
        t.push_str(&b64::encode(&tag));
        t
    }

    const NOW: f64 = 1_700_000_000.0;

    #[test]
    fn token_type_is_written_when_signing_and_the_result_verifies() {
        let ring = typed_ring("at+jwt");
        let req = SignRequest {
            claims_json: r#"{"sub":"u"}"#,
            expires_in: Some(60.0),
            now: NOW,
        };
        let token = ring.sign(&req, || Ok("j".to_string())).unwrap();
        assert_eq!(
            header_json(&token),
            r#"{"alg":"HS256","typ":"at+jwt","kid":"k1"}"#
        );
        let v = ring.verify(&token, NOW).unwrap();
        assert_eq!(v.claims.iss.as_deref(), Some("https://auth.example"));
        assert_eq!(v.claims.aud, Some(vec!["api".to_string()]));
        assert_eq!(v.claims.jti.as_deref(), Some("j"));
        // The shortcut for the ring's own header gives what parsing gives.
        let h = token.split('.').next().unwrap();
        assert_eq!(ring.header(h), token::parse_header(h));
        // `sign_plain` (the drop-in's) writes typ "JWT": such a ring refuses it.
        let plain_signed = ring
            .sign_plain(r#"{"sub":"u","exp":1700000060,"iss":"https://auth.example","aud":"api"}"#)
            .unwrap();
        assert_eq!(
            ring.verify(&plain_signed, NOW).unwrap_err().reason,
            Reason::BadTyp
        );
        // Without a token type the ring keeps writing "JWT".
        let plain =
            KeyRing::new(vec![("k1".into(), vec![1u8; 32])], "k1", Policy::default()).unwrap();
        let t = plain.sign(&req, || Ok("j".to_string())).unwrap();
        assert_eq!(header_json(&t), r#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#);
    }

    #[test]
    fn token_type_is_required_when_verifying() {
        let ring = typed_ring("at+jwt");
        let claims = r#"{"sub":"u","exp":1700000060,"iss":"https://auth.example","aud":"api"}"#;
        for (header, ok) in [
            (r#"{"alg":"HS256","typ":"at+jwt","kid":"k1"}"#, true),
            (r#"{"alg":"HS256","typ":"AT+JWT"}"#, true),
            (r#"{"alg":"HS256","typ":"application/at+jwt"}"#, true),
            (r#"{"alg":"HS256","kid":"k1"}"#, false),
            (r#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#, false),
            (r#"{"alg":"HS256","typ":"JWT"}"#, false),
            (r#"{"alg":"HS256","typ":"dpop+jwt"}"#, false),
        ] {
            let result = ring.verify(&raw(&ring, header, claims), NOW);
            if ok {
                assert!(result.is_ok(), "{header}: {result:?}");
            } else {
                assert_eq!(result.unwrap_err().reason, Reason::BadTyp, "{header}");
            }
        }
        // The plain-header shortcut is checked like any other header.
        let plain = raw(&ring, r#"{"alg":"HS256","typ":"JWT"}"#, claims);
        assert!(plain.starts_with(PLAIN_HEADER_B64));
        assert_eq!(ring.verify(&plain, NOW).unwrap_err().reason, Reason::BadTyp);
        // A forged token is refused for its MAC before its typ is looked at.
        let mut forged = raw(&ring, r#"{"alg":"HS256"}"#, claims);
        forged.pop();
        forged.push(if forged.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(
            ring.verify(&forged, NOW).unwrap_err().reason,
            Reason::BadSignature
        );
    }

    /// Found by the keyring fuzz target: an `exp` between floor(now) and now was signed,
    /// giving a token `verify` called expired at the same instant.
    #[test]
    fn sign_refuses_an_exp_that_verify_would_call_expired() {
        let ring =
            KeyRing::new(vec![("k1".into(), vec![1u8; 32])], "k1", Policy::default()).unwrap();
        let req = |claims_json| SignRequest {
            claims_json,
            expires_in: None,
            now: 1_700_000_000.7,
        };
        let jti = || Ok("j".to_string());
        assert!(ring
            .sign(&req(r#"{"sub":"u","exp":1700000000.5}"#), jti)
            .is_err());
        let token = ring
            .sign(&req(r#"{"sub":"u","exp":1700000000.9}"#), jti)
            .unwrap();
        assert!(ring.verify(&token, 1_700_000_000.7).is_ok());
    }
}
