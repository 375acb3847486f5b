//! Registered claims: read once from the verified payload into a typed value, then
//! checked against the policy and the injected clock. Pure functions, no I/O.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::json::Value;
use crate::options::Policy;
use crate::reason::Reason;

/// The claims this crate reads. Other members stay in the payload text untouched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Claims {
    pub sub: Option<String>,
    /// NumericDates (RFC 7519 §2), seconds since the epoch.
    pub exp: Option<f64>,
    pub nbf: Option<f64>,
    pub iat: Option<f64>,
    pub jti: Option<String>,
    pub iss: Option<String>,
    /// `aud` as a list; a single string becomes one element.
    pub aud: Option<Vec<String>>,
    /// The seed's profile claims, kept when they are strings (used by `verifyJWT`).
    pub email: Option<String>,
    pub name: Option<String>,
}

impl Claims {
    /// Types every registered claim (RFC 7519 §4.1). A registered claim of the wrong
    /// type makes the whole set invalid rather than being ignored.
    pub fn from_object(payload: &Value<'_>) -> Result<Claims, Reason> {
        let Value::Object(members) = payload else {
            return Err(Reason::Malformed);
        };
        // One pass over the members: the parser has already refused duplicate names.
        let mut claims = Claims::default();
        for (name, value) in members {
            match name.as_ref() {
                "sub" => claims.sub = Some(string(value)?),
                "jti" => claims.jti = Some(string(value)?),
                "iss" => claims.iss = Some(string(value)?),
                "exp" => claims.exp = Some(numeric_date(value)?),
                "nbf" => claims.nbf = Some(numeric_date(value)?),
                "iat" => claims.iat = Some(numeric_date(value)?),
                "aud" => claims.aud = Some(audience(value)?),
                "email" => claims.email = value.as_str().map(String::from),
                "name" => claims.name = value.as_str().map(String::from),
                _ => {}
            }
        }
        Ok(claims)
    }

    /// Checks an authentic token's claims at time `now` (seconds since the epoch).
    /// Order: what is required, who it is for, then time — so an `expired` answer is
    /// only given for a token that would otherwise have been accepted.
    pub fn check(&self, policy: &Policy, now: f64) -> Result<(), Reason> {
        if (policy.require_sub && self.sub.is_none()) || (policy.require_exp && self.exp.is_none())
        {
            return Err(Reason::InvalidClaims);
        }
        if let Some(expected) = &policy.issuer {
            if self.iss.as_deref() != Some(expected.as_str()) {
                return Err(Reason::WrongIssuer);
            }
        }
        if let Some(expected) = &policy.audience {
            let ok = self
                .aud
                .as_ref()
                .is_some_and(|list| list.iter().any(|a| a == expected));
            if !ok {
                return Err(Reason::WrongAudience);
            }
        }
        let leeway = policy.leeway_seconds;
        if let Some(nbf) = self.nbf {
            // RFC 7519 §4.1.5: valid at or after nbf.
            if nbf > now + leeway {
                return Err(Reason::NotYetValid);
            }
        }
        if let Some(iat) = self.iat {
            if iat > now + leeway {
                return Err(Reason::IssuedInFuture);
            }
        }
        if let Some(exp) = self.exp {
            // RFC 7519 §4.1.4: valid strictly before exp.
            if now >= exp + leeway {
                return Err(Reason::Expired);
            }
        }
        Ok(())
    }
}

fn string(value: &Value<'_>) -> Result<String, Reason> {
    value
        .as_str()
        .map(String::from)
        .ok_or(Reason::InvalidClaims)
}

/// A JSON number that is finite as a double (1e400 is not).
fn numeric_date(value: &Value<'_>) -> Result<f64, Reason> {
    match value {
        Value::Number(n) if n.is_finite() => Ok(*n),
        _ => Err(Reason::InvalidClaims),
    }
}

/// `aud`: a string, or an array of strings (RFC 7519 §4.1.3).
fn audience(value: &Value<'_>) -> Result<Vec<String>, Reason> {
    match value {
        Value::Str(s) => Ok(vec![String::from(s.as_ref())]),
        Value::Array(items) => items.iter().map(string).collect(),
        _ => Err(Reason::InvalidClaims),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn claims(json: &str) -> Result<Claims, Reason> {
        Claims::from_object(&parse(json).unwrap())
    }

    #[test]
    fn types_are_enforced() {
        assert_eq!(claims(r#"{"exp":"1"}"#), Err(Reason::InvalidClaims));
        assert_eq!(claims(r#"{"exp":null}"#), Err(Reason::InvalidClaims));
        assert_eq!(claims(r#"{"exp":1e400}"#), Err(Reason::InvalidClaims));
        assert_eq!(claims(r#"{"sub":5}"#), Err(Reason::InvalidClaims));
        assert_eq!(claims(r#"{"aud":["a",1]}"#), Err(Reason::InvalidClaims));
        assert_eq!(claims(r#"[]"#), Err(Reason::Malformed));
        assert_eq!(
            claims(r#"{"aud":"a"}"#).unwrap().aud,
            Some(vec!["a".to_string()])
        );
    }

    #[test]
    fn time_boundaries() {
        let p = Policy::default();
        let c = claims(r#"{"sub":"u","exp":100,"nbf":50,"iat":50}"#).unwrap();
        assert_eq!(c.check(&p, 99.0), Ok(()));
        assert_eq!(c.check(&p, 100.0), Err(Reason::Expired));
        assert_eq!(c.check(&p, 50.0), Ok(()));
        assert_eq!(c.check(&p, 49.0), Err(Reason::NotYetValid));
        let lenient = Policy {
            leeway_seconds: 10.0,
            ..Policy::default()
        };
        assert_eq!(c.check(&lenient, 109.0), Ok(()));
        assert_eq!(c.check(&lenient, 110.0), Err(Reason::Expired));
        let future_iat = claims(r#"{"sub":"u","exp":100,"iat":60}"#).unwrap();
        assert_eq!(future_iat.check(&p, 59.0), Err(Reason::IssuedInFuture));
    }

    #[test]
    fn required_and_audience() {
        let p = Policy {
            issuer: Some("i".into()),
            audience: Some("a".into()),
            ..Policy::default()
        };
        assert_eq!(
            claims(r#"{"exp":100}"#).unwrap().check(&p, 0.0),
            Err(Reason::InvalidClaims)
        );
        assert_eq!(
            claims(r#"{"sub":"u","exp":100}"#).unwrap().check(&p, 0.0),
            Err(Reason::WrongIssuer)
        );
        assert_eq!(
            claims(r#"{"sub":"u","exp":100,"iss":"i"}"#)
                .unwrap()
                .check(&p, 0.0),
            Err(Reason::WrongAudience)
        );
        assert_eq!(
            claims(r#"{"sub":"u","exp":100,"iss":"i","aud":["x","a"]}"#)
                .unwrap()
                .check(&p, 0.0),
            Ok(())
        );
    }
}
