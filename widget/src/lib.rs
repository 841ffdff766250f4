//! The Voce widget (built in a later issue).
