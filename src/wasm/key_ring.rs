//! The `KeyRing` class: keys, policy and clock, built once per isolate.

use alloc::string::String;

use js_sys::{Function, JSON};
#[cfg(feature = "eddsa")]
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::options::parse_options;
use super::{js_err, new_jti, now_seconds, with_token, TokenArg};
use crate::json::write_string;
use crate::reason::Reason;
use crate::ring::{KeyRing, Rejected, SignRequest, Verified};

/// Keys, policy and clock for signing and verifying, built once per isolate.
///
/// Tokens with a `kid` are checked against that key only; tokens without one against
/// every key, so a secret can be rotated without logging anyone out.
#[wasm_bindgen(js_name = KeyRing)]
pub struct JsKeyRing {
    ring: KeyRing,
    now: Option<Function>,
}

fn parse_result(json: &str) -> Result<JsValue, JsError> {
    // The text was produced from strictly validated JSON; a failure here would be a bug.
    JSON::parse(json).map_err(|_| JsError::new("hybrid-auth: internal error building a result"))
}

#[wasm_bindgen(js_class = KeyRing)]
impl JsKeyRing {
    /// Validates every option and prepares each key's HMAC state. Throws an `Error`
    /// naming the first problem (never echoing a secret).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "KeyRingOptions")] options: JsValue,
    ) -> Result<JsKeyRing, JsError> {
        let (ring, now) = parse_options(&options).map_err(js_err)?;
        Ok(JsKeyRing { ring, now })
    }

    /// The `kid` of the signing key.
    #[wasm_bindgen(getter, js_name = signingKid)]
    pub fn signing_kid(&self) -> String {
        String::from(self.ring.signing_kid())
    }

    /// The signing key's algorithm, `"HS256"` or `"EdDSA"` (`undefined` for a ring built
    /// from `jwks`, which only verifies).
    #[wasm_bindgen(getter, js_name = signingAlg)]
    pub fn signing_alg(&self) -> Option<String> {
        self.ring.signing_alg().map(|a| String::from(a.name()))
    }

    /// The public JWKS (JSON text) of the ring's Ed25519 keys, every key the ring holds,
    /// so a rotation's next and previous keys are published with the current one.
    /// HS256 secrets are never included (`{"keys":[]}` for an HS256-only ring).
    #[wasm_bindgen(js_name = publicJwks)]
    pub fn public_jwks(&self) -> String {
        self.ring.public_jwks()
    }

    fn now(&self) -> Result<f64, JsError> {
        match &self.now {
            None => Ok(now_seconds()),
            Some(f) => f
                .call0(&JsValue::NULL)
                .ok()
                .and_then(|v| v.as_f64())
                .filter(|n| n.is_finite())
                .ok_or_else(|| {
                    JsError::new(
                        "hybrid-auth: the now() option must return a finite number of seconds",
                    )
                }),
        }
    }

    /// Signs `claims` (must include `sub`) with the signing key; `kid` goes in the
    /// header. Adds `iat` and `jti` when absent, `exp` from `expiresInSeconds` when the
    /// claims carry none, and the configured `iss`/`aud`.
    pub fn sign(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown>")] claims: JsValue,
        #[wasm_bindgen(js_name = "expiresInSeconds")] expires_in_seconds: Option<f64>,
    ) -> Result<String, JsError> {
        let json = JSON::stringify(&claims)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| {
                JsError::new("hybrid-auth: claims must be a JSON-serialisable object")
            })?;
        let req = SignRequest {
            claims_json: &json,
            expires_in: expires_in_seconds,
            now: self.now()?,
        };
        self.ring.sign(&req, new_jti).map_err(js_err)
    }

    /// Verifies `token`: `{ ok: true, kid, claims }` or `{ ok: false, reason }`, where an
    /// `expired` result also carries the (authentic) claims. Never throws for any
    /// token; throws only if the injected clock misbehaves.
    #[wasm_bindgen(unchecked_return_type = "VerifyResult")]
    pub fn verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    ) -> Result<JsValue, JsError> {
        let now = self.now()?;
        self.verified(&token, |t| self.ring.verify(t, now))
    }

    /// For a verifier with a native Ed25519 (workerd's WebCrypto is about 2.8x this
    /// module's: bench/notes.md, "EdDSA"): what to check for an EdDSA token, as
    /// `{ kid, publicKey, message, signature }` (raw key, signing input, 64-byte
    /// signature); `{ ok: false, reason }` for what `verify` refuses before the signature;
    /// `null` when `verify` should be used instead (not EdDSA, or no `kid` with several
    /// Ed25519 keys). Then `verifyWithEd25519Verdict(token, valid)`.
    #[cfg(feature = "eddsa")]
    #[wasm_bindgen(js_name = ed25519Request, unchecked_return_type = "Ed25519Request | { ok: false; reason: VerifyReason } | null")]
    pub fn ed25519_request(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    ) -> Result<JsValue, JsError> {
        let max = self.ring.policy().max_token_bytes;
        let asked = with_token(&token, max, |t| match self.ring.ed25519_request(t) {
            Ok(None) => Ok(JsValue::NULL),
            Ok(Some(req)) => {
                let out = Object::new();
                let set = |k: &str, v: &JsValue| Reflect::set(&out, &JsValue::from_str(k), v);
                set("kid", &JsValue::from_str(req.kid))
                    .and_then(|_| set("publicKey", &Uint8Array::from(&req.public_key[..])))
                    .and_then(|_| set("message", &Uint8Array::from(req.message)))
                    .and_then(|_| set("signature", &Uint8Array::from(&req.signature[..])))
                    .map_err(|_| JsError::new("hybrid-auth: internal error building a request"))?;
                Ok(out.into())
            }
            Err(reason) => refusal(reason),
        });
        match asked {
            Ok(r) => r,
            Err(TokenArg::TooLarge) => refusal(Reason::TooLarge),
            Err(TokenArg::NotAString) => refusal(Reason::Malformed),
        }
    }

    /// `verify`, with the Ed25519 signature of an EdDSA token checked by the caller:
    /// `valid` is the native verifier's answer for the request `ed25519Request` gave for
    /// this very token. Everything else (header, key selection, the signature's form,
    /// `typ`, claims) is checked here as by `verify`; `valid: false` is `bad_signature`.
    #[cfg(feature = "eddsa")]
    #[wasm_bindgen(js_name = verifyWithEd25519Verdict, unchecked_return_type = "VerifyResult")]
    pub fn verify_with_ed25519_verdict(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
        valid: bool,
    ) -> Result<JsValue, JsError> {
        let now = self.now()?;
        self.verified(&token, |t| {
            self.ring.verify_with_ed25519_verdict(t, now, valid)
        })
    }

    fn verified(
        &self,
        token: &JsValue,
        check: impl FnOnce(&str) -> Result<Verified, Rejected>,
    ) -> Result<JsValue, JsError> {
        let max = self.ring.policy().max_token_bytes;
        let result = match with_token(token, max, check) {
            Ok(r) => r,
            Err(TokenArg::TooLarge) => Err(Reason::TooLarge.into()),
            Err(TokenArg::NotAString) => Err(Reason::Malformed.into()),
        };
        let out = match result {
            Ok(v) => verified_json(&v),
            Err(Rejected { reason, expired }) => {
                let mut s = String::from("{\"ok\":false,\"reason\":\"");
                s.push_str(reason.code());
                s.push('"');
                if let Some(v) = expired {
                    s.push_str(",\"claims\":");
                    s.push_str(&v.payload);
                }
                s.push('}');
                s
            }
        };
        parse_result(&out)
    }
}

#[cfg(feature = "eddsa")]
fn refusal(reason: Reason) -> Result<JsValue, JsError> {
    let mut s = String::from("{\"ok\":false,\"reason\":\"");
    s.push_str(reason.code());
    s.push_str("\"}");
    parse_result(&s)
}

fn verified_json(v: &Verified) -> String {
    let mut s = String::with_capacity(v.payload.len() + 48);
    s.push_str("{\"ok\":true,\"kid\":");
    write_string(&mut s, &v.kid);
    s.push_str(",\"claims\":");
    s.push_str(&v.payload);
    s.push('}');
    s
}
