//! The Voce widget: the feedback form a public body embeds with one script tag.
//!
//! The loader (`loader/voce.js`) fetches this crate, compiled to WebAssembly, only when a
//! placement nears the viewport (at once in conformance mode), and calls `mount`. The form
//! fetches its questionnaire and a one-time ticket from the collector, renders the national
//! questionnaire with the catalog's branch, validates with the same code as the collector, and
//! sends the answers.
//!
//! The logic that decides anything (the [`machine`] with its [`action`]s, [`phase`]s,
//! [`notice`]s, [`answers`] and [`branch`]es, the [`request_writer`], the [`retry`] policy, the [`config`]
//! parsing and the [`i18n`] strings) is plain Rust, tested natively; the components and the
//! browser glue (with the `response_reader`) exist only on `wasm32`.

pub mod action;
pub mod answers;
pub mod branch;
pub mod config;
pub mod i18n;
pub mod machine;
pub mod notice;
pub mod phase;
pub mod request_writer;
pub mod retry;
#[doc(hidden)]
pub mod testing;

#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
mod events;
#[cfg(target_arch = "wasm32")]
pub mod hooks;
#[cfg(target_arch = "wasm32")]
pub mod mount;
#[cfg(target_arch = "wasm32")]
mod net;
#[cfg(target_arch = "wasm32")]
pub mod response_reader;
#[cfg(target_arch = "wasm32")]
pub mod style;

#[cfg(target_arch = "wasm32")]
pub use mount::{Mounted, config_of, mount, mount_with};

/// The allocator: a first-fit free list (`lol_alloc`), far smaller in WebAssembly than the
/// standard library's dlmalloc; the widget makes few, small allocations.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());
