//! The few `f64` operations this crate needs that `core` lacks on stable Rust (`floor`,
//! `fract`, `powi` live in `std`). One implementation serves the native and the `no_std`
//! wasm builds, so both compute the same values.

/// 2^52: every `f64` at least this large in magnitude is a whole number.
const WHOLE_ABOVE: f64 = 4_503_599_627_370_496.0;

/// The largest whole number not above `x` (NaN and infinities unchanged).
pub fn floor(x: f64) -> f64 {
    if !(x > -WHOLE_ABOVE && x < WHOLE_ABOVE) || x == 0.0 {
        return x; // also keeps the sign of -0.0
    }
    let t = x as i64 as f64; // exact: |x| < 2^52, truncates toward zero
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// True for a finite whole number (what `x.fract() == 0.0` says for finite `x`).
pub fn is_whole(x: f64) -> bool {
    x.is_finite() && floor(x) == x
}

/// `base` to a non-negative integer power by repeated squaring, in the order of
/// compiler-rt's `__powidf2` (what `f64::powi` compiles to), so results match it.
pub fn powi(mut base: f64, mut exp: u32) -> f64 {
    let mut r = 1.0;
    loop {
        if exp & 1 == 1 {
            r *= base;
        }
        exp /= 2;
        if exp == 0 {
            return r;
        }
        base *= base;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_and_whole_match_std() {
        for x in [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.0,
            -1.0,
            1.5,
            -1.5,
            1_700_000_000.7,
            -1_700_000_000.7,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            1e300,
            -1e300,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert_eq!(floor(x).to_bits(), x.floor().to_bits(), "{x}");
            assert_eq!(is_whole(x), x.is_finite() && x.fract() == 0.0, "{x}");
        }
        assert!(floor(f64::NAN).is_nan());
        assert!(!is_whole(f64::NAN));
    }

    #[test]
    fn powi_matches_std() {
        for e in 0..=400u32 {
            assert_eq!(
                powi(10.0, e).to_bits(),
                10f64.powi(e as i32).to_bits(),
                "10^{e}"
            );
        }
    }
}
