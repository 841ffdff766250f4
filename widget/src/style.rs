//! The stylesheet, adopted as a constructable stylesheet into the shadow root (isolated mode) or
//! the document (conformance mode), so a strict `style-src` Content-Security-Policy blocks nothing.

use std::cell::OnceCell;

use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CssStyleSheet, Document, ShadowRoot};

/// The widget's CSS. Everything sits under `.voce`, so the same sheet serves the shadow root and
/// the document; colours are Bootstrap Italia's, every pair checked for contrast (text ≥ 4.5:1,
/// controls ≥ 3:1); no comments, since every byte ships.
pub const CSS: &str = include_str!("voce.css");

thread_local! {
    static SHEET: OnceCell<Option<CssStyleSheet>> = const { OnceCell::new() };
}

/// The one constructed stylesheet shared by every placement, or `None` where the browser cannot
/// construct stylesheets (the widget then works unstyled).
fn sheet() -> Option<CssStyleSheet> {
    SHEET.with(|cell| {
        cell.get_or_init(|| {
            let sheet = CssStyleSheet::new().ok()?;
            sheet.replace_sync(CSS).ok()?;
            Some(sheet)
        })
        .clone()
    })
}

/// Adopts the stylesheet into a shadow root.
pub fn adopt_in_shadow(root: &ShadowRoot) {
    if let Some(sheet) = sheet() {
        root.set_adopted_style_sheets(&Array::of1(&sheet));
    }
}

/// Adopts the stylesheet into the document, once, keeping the page's own adopted sheets.
pub fn adopt_in_document(document: &Document) {
    let Some(sheet) = sheet() else {
        return;
    };
    let sheets: Array = document.adopted_style_sheets();
    let sheet: JsValue = sheet.unchecked_into();
    if !sheets.includes(&sheet, 0) {
        let sheets = Array::from(&sheets);
        sheets.push(&sheet);
        document.set_adopted_style_sheets(&sheets);
    }
}
