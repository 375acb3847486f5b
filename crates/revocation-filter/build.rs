//! The module's shadow stack: 64 KiB instead of rustc's 1 MiB default for wasm32, so an
//! isolate that only reads filters holds about 0.3 MB of wasm memory (a 100,000-entry
//! filter included) instead of 1.3 MB (issue 23's budget is revocation state per isolate).
//! Nothing here recurses deeply: parsing is flat, lookups are two hashes and three loads,
//! and `finish` sorts with `sort_unstable` (recursion depth ~ 2 log2 n) and builds with
//! xorf's loops over heap blocks. test/node/filter.test.mjs builds 1,000,000 entries with it.
//! With `--stack-first` (rustc's default layout for wasm32) an overflow would trap, not
//! overwrite data. Only the cdylib (the package's .wasm): tests keep the default.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=-zstack-size=65536");
    }
}
