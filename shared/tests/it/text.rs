//! The text helpers write exactly what Rust's formatting would.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use voce_shared::text::push_decimal;

#[test]
fn push_decimal_writes_what_format_would() {
    for n in [0, 7, 10, 99, 100, 200, 4_294_967_296, u64::MAX] {
        let mut out = String::from("x=");
        push_decimal(&mut out, n);
        assert_eq!(out, format!("x={n}"));
    }
}
