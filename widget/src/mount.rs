//! Mounting: turns a placement element into a running form, in an open shadow root (isolated
//! mode) or in the light DOM (conformance mode), with the stylesheet adopted where it applies.

use std::cell::Cell;
use std::rc::Rc;

use voce_shared::api::Form;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlElement, ShadowRootInit, ShadowRootMode};
use yew::AppHandle;

use crate::components::feedback::{Feedback, FeedbackProps};
use crate::config::{Config, Mode, Theme, collector_base, resolve_locale};
use crate::style;

thread_local! {
    static NEXT: Cell<u32> = const { Cell::new(0) };
}

/// A mounted widget.
pub struct Mounted {
    handle: AppHandle<Feedback>,
    /// The element the form renders into (inside the shadow root in isolated mode).
    pub root: Element,
}

impl Mounted {
    /// Removes the form from the page.
    pub fn unmount(self) {
        self.handle.destroy();
        self.root.remove();
    }
}

/// Reads a placement's configuration from its attributes (`service`, `locale`, `mode`, `theme`,
/// `attestation`,
/// each also accepted with a `data-` prefix) and the page's `<html lang>`.
pub fn config_of(host: &Element, collector: &str) -> Config {
    let attribute = |name: &str| {
        host.get_attribute(name).or_else(|| {
            let mut data = String::from("data-");
            data.push_str(name);
            host.get_attribute(&data)
        })
    };
    let html_lang = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|html| html.get_attribute("lang"));
    Config {
        service: attribute("service").unwrap_or_default().trim().to_owned(),
        collector: collector_base(collector).to_owned(),
        locale: resolve_locale(attribute("locale").as_deref(), html_lang.as_deref()),
        mode: Mode::parse(attribute("mode").as_deref()),
        theme: Theme::parse(attribute("theme").as_deref()),
        attestation: attribute("attestation")
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty()),
    }
}

/// Mounts the form into `host`: fetched from the collector when `form` is `None`, or shown at
/// once from an already-fetched form (tests, previews).
pub fn mount_with(
    host: &HtmlElement,
    config: Config,
    form: Option<Form>,
) -> Result<Mounted, JsValue> {
    let document = host
        .owner_document()
        .ok_or("the placement is not in a document")?;
    let root = document.create_element("div")?;
    match config.mode {
        Mode::Isolated => {
            let shadow = match host.shadow_root() {
                Some(shadow) => shadow,
                None => host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?,
            };
            style::adopt_in_shadow(&shadow);
            shadow.append_child(&root)?;
        }
        Mode::Comuni => {
            style::adopt_in_document(&document);
            host.append_child(&root)?;
        }
    }
    let n = NEXT.with(|c| {
        let n = c.get();
        c.set(n.wrapping_add(1));
        n
    });
    let props = FeedbackProps {
        config: Rc::new(config),
        form: form.map(Rc::new),
        host: host.clone().into(),
        prefix: prefix(n).into(),
    };
    let handle = yew::Renderer::<Feedback>::with_root_and_props(root.clone(), props).render();
    Ok(Mounted { handle, root })
}

/// The entry point the loader calls: mounts the form for the placement `host`, fetching it from
/// the collector at `collector` (its base URL, such as `https://voce.example`).
#[wasm_bindgen]
pub fn mount(host: HtmlElement, collector: &str) -> Result<(), JsValue> {
    let config = config_of(&host, collector);
    // The app lives as long as the page; dropping the handle does not unmount it.
    mount_with(&host, config, None).map(drop)
}

/// `voce{n}`, the id prefix of placement `n`, written without `format!` (whose machinery would
/// otherwise ship only for this).
fn prefix(mut n: u32) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut out = String::from("voce");
    out.extend(digits.iter().rev().map(|&d| char::from(d)));
    out
}
