//! The JavaScript API: `RevocationFilterBuilder` and `RevocationFilter`. Arguments are
//! taken as `JsValue` and checked here (a subject that is not a string is an error, not
//! the text "undefined"); every error is an `Error` whose message starts with the stable
//! code (`"bad_descriptor: …"`) and whose `code` property is that code.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::filter::{Builder, Filter, Kind};
use crate::format::{Header, FINGERPRINT_BYTES, HEADER_LEN};

/// Bytes copied from JavaScript per step when a container is parsed (on the 64 KiB stack).
const CHUNK_BYTES: usize = 8192;
use crate::FilterError;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/**
 * Collects revoked entries and builds a revocation filter (issue 23): a binary fuse filter
 * (about 19 bits an entry, about 0.0015 % false positives a lookup, no false negatives) in a container
 * that `RevocationFilter.parse` reads. Kinds: 0 = jti, 1 = sid, 2 = user.
 */
export class RevocationFilterBuilder {
  /** `key`: 16 random bytes, this filter's SipHash key (else throws `bad_key`). */
  constructor(key: Uint8Array);
  /** Adds an entry. Throws `bad_kind` for a kind other than 0, 1, 2, `bad_subject` for a non-string. */
  add(kind: number, subject: string): void;
  /** How many entries were added, duplicates included. */
  readonly size: number;
  /** The container (header + fingerprints). The builder keeps its entries. */
  finish(): Uint8Array;
  free(): void;
  [Symbol.dispose](): void;
}

/** A parsed revocation filter. A `true` is a maybe (confirm it); a `false` is certain. */
export class RevocationFilter {
  private constructor();
  /**
   * Validates and reads a container. Throws an `Error` whose message starts with (and whose
   * `code` is) `truncated`, `bad_magic`, `unsupported_version`, `bad_descriptor`,
   * `length_mismatch`, `too_large` or `bad_argument` (not a Uint8Array).
   */
  static parse(bytes: Uint8Array): RevocationFilter;
  /** Whether the entry may be in the set. Throws `bad_kind` / `bad_subject`. */
  contains(kind: number, subject: string): boolean;
  /** Whether `jti` (kind 0), `sid` (kind 1) or `userId` (kind 2) may be in the set. */
  matchToken(jti: string | undefined, sid: string | undefined, userId: string): boolean;
  /** The distinct entries the filter was built from. */
  readonly entries: number;
  /** The container's size in bytes. */
  readonly byteLength: number;
  free(): void;
  [Symbol.dispose](): void;
}
"#;

/// An `Error` whose message starts with the code, with a `code` property.
fn js_error(e: FilterError) -> JsValue {
    let mut message = String::from(e.code());
    message.push_str(": ");
    message.push_str(e.message());
    let error = js_sys::Error::new(&message);
    // Setting a data property on a fresh Error cannot fail.
    let _ = Reflect::set(
        &error,
        &JsValue::from_str("code"),
        &JsValue::from_str(e.code()),
    );
    error.into()
}

fn kind_of(kind: f64) -> Result<Kind, JsValue> {
    // `as u8` saturates; the round trip proves an integer in 0..=255 (NaN fails it).
    let k = kind as u8;
    if f64::from(k) == kind {
        Kind::from_u8(k).map_err(js_error)
    } else {
        Err(js_error(FilterError::BadKind))
    }
}

fn subject_of(v: &JsValue) -> Result<String, JsValue> {
    v.as_string()
        .ok_or_else(|| js_error(FilterError::BadSubject))
}

/// `undefined` or `null` is absent; anything else must be a string.
fn optional_subject(v: &JsValue) -> Result<Option<String>, JsValue> {
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else {
        subject_of(v).map(Some)
    }
}

#[wasm_bindgen(skip_typescript)]
pub struct RevocationFilterBuilder {
    inner: Builder,
}

#[wasm_bindgen]
impl RevocationFilterBuilder {
    #[wasm_bindgen(constructor)]
    pub fn new(key: &JsValue) -> Result<RevocationFilterBuilder, JsValue> {
        let bytes = key
            .dyn_ref::<Uint8Array>()
            .filter(|k| k.length() == 16)
            .ok_or_else(|| js_error(FilterError::BadKey))?;
        let mut k = [0u8; 16];
        bytes.copy_to(&mut k);
        Ok(RevocationFilterBuilder {
            inner: Builder::new(k),
        })
    }

    pub fn add(&mut self, kind: f64, subject: &JsValue) -> Result<(), JsValue> {
        let kind = kind_of(kind)?;
        let subject = subject_of(subject)?;
        self.inner.add(kind, &subject);
        Ok(())
    }

    #[wasm_bindgen(getter)]
    pub fn size(&self) -> f64 {
        self.inner.size() as f64
    }

    pub fn finish(&mut self) -> Result<Vec<u8>, JsValue> {
        self.inner.finish().map_err(js_error)
    }
}

#[wasm_bindgen(skip_typescript)]
pub struct RevocationFilter {
    inner: Filter,
}

#[wasm_bindgen]
impl RevocationFilter {
    /// Copies the header first and the fingerprints straight into their final buffer,
    /// so a container is copied into wasm memory once, and a refused one (a huge length,
    /// say) only as far as its header.
    pub fn parse(bytes: &JsValue) -> Result<RevocationFilter, JsValue> {
        let array = bytes
            .dyn_ref::<Uint8Array>()
            .ok_or_else(|| js_error(FilterError::BadArgument))?;
        let total = array.length() as usize;
        let head_len = total.min(HEADER_LEN);
        let mut head = [0u8; HEADER_LEN];
        let head = head.get_mut(..head_len).unwrap_or_default();
        array.subarray(0, head_len as u32).copy_to(head);
        let header = Header::parse(head, total).map_err(js_error)?;
        // Header::parse checked total == HEADER_LEN + 2 * fingerprint_len. The 16-bit
        // fingerprints are decoded from little-endian through a small stack buffer, so the
        // container's bytes are never held twice in wasm memory.
        let mut fingerprints: Box<[u16]> = vec![0u16; header.fingerprint_len].into_boxed_slice();
        let mut buf = [0u8; CHUNK_BYTES];
        let mut at = HEADER_LEN;
        for slots in fingerprints.chunks_mut(CHUNK_BYTES / FINGERPRINT_BYTES) {
            let n = slots.len() * FINGERPRINT_BYTES;
            let chunk = buf.get_mut(..n).unwrap_or_default();
            array.subarray(at as u32, (at + n) as u32).copy_to(chunk);
            for (slot, b) in slots.iter_mut().zip(chunk.chunks_exact(FINGERPRINT_BYTES)) {
                *slot = crate::filter::le_u16(b);
            }
            at += n;
        }
        let inner = Filter::from_parts(header, fingerprints).map_err(js_error)?;
        Ok(RevocationFilter { inner })
    }

    pub fn contains(&self, kind: f64, subject: &JsValue) -> Result<bool, JsValue> {
        let kind = kind_of(kind)?;
        let subject = subject_of(subject)?;
        Ok(self.inner.contains(kind, &subject))
    }

    #[wasm_bindgen(js_name = matchToken)]
    pub fn match_token(
        &self,
        jti: &JsValue,
        sid: &JsValue,
        user_id: &JsValue,
    ) -> Result<bool, JsValue> {
        let jti = optional_subject(jti)?;
        let sid = optional_subject(sid)?;
        let user = subject_of(user_id)?;
        Ok(self
            .inner
            .match_token(jti.as_deref(), sid.as_deref(), &user))
    }

    #[wasm_bindgen(getter)]
    pub fn entries(&self) -> u32 {
        self.inner.entries()
    }

    #[wasm_bindgen(getter, js_name = byteLength)]
    pub fn byte_length(&self) -> f64 {
        self.inner.byte_length() as f64
    }
}
