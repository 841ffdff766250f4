//! The Voce collector (built in a later issue).

fn main() {}
