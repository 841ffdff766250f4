//! Small text helpers that the validator and the widget share, written so that the WebAssembly
//! build does not need Rust's formatting machinery (`core::fmt` costs kilobytes there).

/// Appends `n` in decimal, as `{n}` would, without pulling `core::fmt` into the widget's
/// WebAssembly.
pub fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}
