//! The stable pipeline's post-link step: panics trap at once, as `-Cpanic=immediate-abort` makes
//! them in the size-optimised build.
//!
//! Stable Rust cannot ask for `-Cpanic=immediate-abort`: with `panic = "abort"` a panic still
//! goes through `core::panicking::panic_fmt` into the standard library's panic handler, which
//! formats the message, runs the panic hook (Yew installs `console_error_panic_hook`) and only
//! then aborts; all of that machinery, and the `Debug`/`Display` code it reaches, ships in the
//! WebAssembly. This step, run on the linked module before `wasm-bindgen` (whose dead-code pass
//! then drops what nothing reaches any more, and the imports only the hook used), replaces the
//! body of every function in [`DIVERGING`] (functions that never return: each one is `-> !` in
//! the standard library) and in [`PANIC_ONLY`] (functions only the panic handler calls) by a
//! single `unreachable`: a panic traps where it starts, as with `immediate-abort`. This is what
//! `wasm-snip` does, on a maintained parser (`wasmparser`/`wasm-encoder`), with the result
//! validated, and failing the build when the panic entry point is not found (a toolchain that
//! renamed it), never shipping an unsnipped module silently.
//!
//! Functions are matched by their name in the module's `name` section (the linker writes mangled
//! names, legacy `_ZN…` or v0 `_R…`), demangled and normalised: the crate disambiguators of the precompiled standard library (`core[c5930c85a12de822]::…`) and the
//! legacy symbol hashes (`…::h0123456789abcdef`) removed. A pattern is an exact name, or a prefix
//! ending in `*`.

use std::collections::HashSet;

use anyhow::{Context, Result, bail};
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};

/// Functions that never return (`-> !`): the entry points of every panic.
pub const DIVERGING: &[&str] = &[
    // Every `panic!`, `unwrap`, `expect`, bounds check, overflow check and `assert!` ends here.
    "core::panicking::*",
    "__rustc::rust_begin_unwind",
    "rust_begin_unwind",
    "core::option::unwrap_failed",
    "core::option::expect_failed",
    "core::result::unwrap_failed",
    "core::str::slice_error_fail",
    "core::str::slice_error_fail_rt",
    "core::slice::index::slice_index_fail",
    "core::slice::index::slice_start_index_len_fail",
    "core::slice::index::slice_end_index_len_fail",
    "core::slice::index::slice_index_order_fail",
    "core::cell::panic_already_borrowed",
    "core::cell::panic_already_mutably_borrowed",
    "core::cell::lazy::panic_poisoned",
    "std::thread::local::panic_access_error",
    "alloc::alloc::handle_alloc_error",
    "alloc::raw_vec::handle_error",
    "alloc::raw_vec::capacity_overflow",
];

/// Functions only the panic handler calls (the hooks and the payloads it hands them): never
/// called once [`DIVERGING`] traps, but kept alive by the function table (a boxed hook, a
/// vtable), so the dead-code passes cannot see they are dead.
pub const PANIC_ONLY: &[&str] = &[
    "console_error_panic_hook::hook",
    "console_error_panic_hook::hook_impl",
    "std::panicking::default_hook",
    "std::panicking::rust_panic_with_hook",
    "std::panicking::panic_with_hook",
    "std::panicking::panic_handler::*",
    "<std::panicking::panic_handler::*",
    "<std::panicking::begin_panic::*",
    "<std::panic::PanicHookInfo as core::fmt::Display>::fmt",
];

/// What must be found: without it the step has not done its job (a renamed entry point).
pub const REQUIRED: &str = "core::panicking::panic_fmt";

/// The result of [`snip`].
#[derive(Debug)]
pub struct Snipped {
    /// The module with the bodies replaced.
    pub wasm: Vec<u8>,
    /// The normalised names of the functions whose bodies were replaced, in index order.
    pub names: Vec<String>,
}

/// Replaces the body of each function whose name matches one of `patterns` by `unreachable`,
/// drops the DWARF sections (their code offsets would be wrong), validates the result, and fails
/// when no function matches [`REQUIRED`] or the module has no `name` section.
pub fn snip(wasm: &[u8], patterns: &[&str]) -> Result<Snipped> {
    let (imported, names) = function_names(wasm)?;
    if names.is_empty() {
        bail!("the module has no function names; build it without stripping symbols");
    }
    let chosen: Vec<(u32, String)> = names
        .into_iter()
        .map(|(index, name)| (index, normalise(&name)))
        .filter(|(_, name)| patterns.iter().any(|p| matches(p, name)))
        .collect();
    if !chosen.iter().any(|(_, name)| name == REQUIRED) {
        bail!(
            "no function named {REQUIRED} in the module: the panic entry point has a new name in \
             this toolchain; update xtask/src/widget_snip.rs"
        );
    }
    let targets = chosen.iter().map(|(index, _)| *index).collect();
    Ok(Snipped {
        wasm: rewrite(wasm, imported, targets)?,
        names: chosen.into_iter().map(|(_, name)| name).collect(),
    })
}

/// The second pass, on the module `wasm-opt` has cleaned of the code only panics reached:
/// replaces by `unreachable` the body of each `Debug`/`Display` implementation that nothing can
/// call any more. Such a function stays in the module only because it sits in the function
/// table (a panic message once took its address), and `wasm-opt` cannot prove a table slot
/// unused. Here a slot is unused when its number appears nowhere a function address can come
/// from in code that rustc generates for `wasm32-unknown-unknown` (not position-independent):
/// no `i32.const` in any function body or global initialiser, and no four bytes of any data
/// segment, at any offset, that read as it (a vtable or a static argument list). A function
/// also called directly, exported, or named by `ref.func` is kept. Only formatting impls are
/// considered: `wasm-bindgen`'s glue calls table slots it knows by number (its closure shims),
/// never a formatting function.
pub fn snip_unreachable_formatting(wasm: &[u8]) -> Result<Snipped> {
    let (imported, names) = function_names(wasm)?;
    let refs = references(wasm)?;
    let chosen: Vec<(u32, String)> = names
        .into_iter()
        .map(|(index, name)| (index, normalise(&name)))
        .filter(|(_, name)| {
            name.ends_with(" as core::fmt::Debug>::fmt")
                || name.ends_with(" as core::fmt::Display>::fmt")
        })
        .filter(|(index, _)| {
            let slots: Vec<u32> = refs
                .table
                .iter()
                .filter(|(_, f)| f == index)
                .map(|(slot, _)| *slot)
                .collect();
            !slots.is_empty()
                && !refs.direct.contains(index)
                && slots
                    .iter()
                    .all(|slot| !refs.constants.contains(slot) && !refs.in_data(*slot))
        })
        .collect();
    let targets = chosen.iter().map(|(index, _)| *index).collect();
    Ok(Snipped {
        wasm: rewrite(wasm, imported, targets)?,
        names: chosen.into_iter().map(|(_, name)| name).collect(),
    })
}

/// Where a module can take a function from.
struct References {
    /// (table slot, function index) of every active element segment with a constant offset.
    table: Vec<(u32, u32)>,
    /// Functions called directly, exported, the start function, or named by `ref.func`.
    direct: HashSet<u32>,
    /// Every `i32.const` operand in function bodies and global initialisers.
    constants: HashSet<u32>,
    /// The bytes of every data segment.
    data: Vec<Vec<u8>>,
}

impl References {
    /// Whether four consecutive bytes of some data segment read as `value` (little-endian).
    fn in_data(&self, value: u32) -> bool {
        let needle = value.to_le_bytes();
        self.data
            .iter()
            .any(|bytes| bytes.windows(4).any(|w| w == needle))
    }
}

/// The value of a constant `i32.const N` expression.
fn const_i32(expr: &wasmparser::ConstExpr<'_>) -> Option<i32> {
    let mut reader = expr.get_operators_reader();
    match reader.read().ok()? {
        wasmparser::Operator::I32Const { value } => Some(value),
        _ => None,
    }
}

fn references(wasm: &[u8]) -> Result<References> {
    let mut refs = References {
        table: Vec::new(),
        direct: HashSet::new(),
        constants: HashSet::new(),
        data: Vec::new(),
    };
    // A module whose tables we cannot read fully keeps everything: a slot of an element segment
    // with a computed offset could be any number.
    let mut opaque = false;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload? {
            wasmparser::Payload::ExportSection(section) => {
                for export in section {
                    let export = export?;
                    if export.kind == wasmparser::ExternalKind::Func {
                        refs.direct.insert(export.index);
                    }
                }
            }
            wasmparser::Payload::StartSection { func, .. } => {
                refs.direct.insert(func);
            }
            wasmparser::Payload::GlobalSection(section) => {
                for global in section {
                    let mut reader = global?.init_expr.get_operators_reader();
                    while !reader.eof() {
                        match reader.read()? {
                            wasmparser::Operator::I32Const { value } => {
                                refs.constants.insert(value as u32);
                            }
                            wasmparser::Operator::RefFunc { function_index } => {
                                refs.direct.insert(function_index);
                            }
                            _ => {}
                        }
                    }
                }
            }
            wasmparser::Payload::ElementSection(section) => {
                for element in section {
                    let element = element?;
                    let base = match &element.kind {
                        wasmparser::ElementKind::Active { offset_expr, .. } => {
                            match const_i32(offset_expr) {
                                Some(base) => Some(base as u32),
                                None => {
                                    opaque = true;
                                    None
                                }
                            }
                        }
                        _ => None,
                    };
                    if let wasmparser::ElementItems::Functions(functions) = element.items {
                        for (i, function) in functions.into_iter().enumerate() {
                            let function = function?;
                            match base {
                                Some(base) => refs.table.push((base + i as u32, function)),
                                // Passive and declared segments: reachable by `table.init` or
                                // `ref.func`; treated as direct references.
                                None => {
                                    refs.direct.insert(function);
                                }
                            }
                        }
                    } else {
                        opaque = true;
                    }
                }
            }
            wasmparser::Payload::CodeSectionEntry(body) => {
                let mut reader = body.get_operators_reader()?;
                while !reader.eof() {
                    match reader.read()? {
                        wasmparser::Operator::I32Const { value } => {
                            refs.constants.insert(value as u32);
                        }
                        wasmparser::Operator::Call { function_index }
                        | wasmparser::Operator::ReturnCall { function_index }
                        | wasmparser::Operator::RefFunc { function_index } => {
                            refs.direct.insert(function_index);
                        }
                        _ => {}
                    }
                }
            }
            wasmparser::Payload::DataSection(section) => {
                for data in section {
                    refs.data.push(data?.data.to_vec());
                }
            }
            _ => {}
        }
    }
    if opaque {
        refs.table.clear();
    }
    Ok(refs)
}

/// The module with the bodies of `targets` replaced by `unreachable`, validated.
fn rewrite(wasm: &[u8], imported: u32, targets: HashSet<u32>) -> Result<Vec<u8>> {
    let mut snipper = Snipper {
        targets,
        next: imported,
    };
    let mut module = wasm_encoder::Module::new();
    snipper
        .parse_core_module(&mut module, wasmparser::Parser::new(0), wasm)
        .map_err(|e| anyhow::anyhow!("cannot rewrite the module: {e:?}"))?;
    let out = module.finish();
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&out)
        .context("the snipped module does not validate")?;
    Ok(out)
}

/// The number of imported functions and the names of the defined ones.
fn function_names(wasm: &[u8]) -> Result<(u32, Vec<(u32, String)>)> {
    let mut imported = 0;
    let mut names = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload? {
            wasmparser::Payload::ImportSection(section) => {
                for import in section.into_imports() {
                    if matches!(import?.ty, wasmparser::TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            wasmparser::Payload::CustomSection(section) => {
                if let wasmparser::KnownCustom::Name(reader) = section.as_known() {
                    for subsection in reader {
                        if let wasmparser::Name::Function(map) = subsection? {
                            for naming in map {
                                let naming = naming?;
                                names.push((naming.index, naming.name.to_owned()));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    names.retain(|(index, _)| *index >= imported);
    Ok((imported, names))
}

/// `name` demangled, without crate disambiguators (`[0123456789abcdef]`) and without a trailing legacy
/// symbol hash (`::h0123456789abcdef`).
pub fn normalise(name: &str) -> String {
    let demangled = format!("{:#}", rustc_demangle::demangle(name));
    let name = demangled.as_str();
    let hex = |s: &str| s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit());
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find(']') {
            Some(close) if hex(&after[..close]) => rest = &after[close + 1..],
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    if let Some(at) = out.rfind("::h")
        && hex(&out[at + 3..])
    {
        out.truncate(at);
    }
    out
}

/// Whether `name` matches `pattern` (exact, or a prefix when the pattern ends in `*`).
fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    }
}

/// Copies the module, replacing the chosen bodies.
struct Snipper {
    targets: HashSet<u32>,
    /// The index of the next function body in the code section.
    next: u32,
}

impl Reencode for Snipper {
    type Error = std::convert::Infallible;

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        let index = self.next;
        self.next += 1;
        if self.targets.contains(&index) {
            let mut body = wasm_encoder::Function::new([]);
            body.instructions().unreachable().end();
            code.function(&body);
        } else {
            code.raw(func.as_bytes());
        }
        Ok(())
    }

    fn parse_custom_section(
        &mut self,
        module: &mut wasm_encoder::Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        if section.name().starts_with(".debug_") {
            return Ok(());
        }
        // The other custom sections (names, producers, wasm-bindgen's own) are copied as they
        // are: they name functions by index, which this step does not change.
        RoundtripReencoder.parse_custom_section(module, section)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, CustomSection, ExportKind, ExportSection, Function, FunctionSection,
        ImportSection, IndirectNameMap, Module, NameMap, NameSection, TypeSection, ValType,
    };

    /// A module with one imported function and three defined ones: `core::panicking::panic_fmt`
    /// (under a crate disambiguator), a user function calling it, and one adding two numbers.
    fn module(panic_name: &str) -> Vec<u8> {
        let mut types = TypeSection::new();
        types.ty().function([ValType::I32], []);
        types
            .ty()
            .function([ValType::I32, ValType::I32], [ValType::I32]);
        let mut imports = ImportSection::new();
        imports.import("env", "log", wasm_encoder::EntityType::Function(0));
        let mut functions = FunctionSection::new();
        functions.function(0).function(0).function(1);
        let mut exports = ExportSection::new();
        exports.export("check", ExportKind::Func, 2);
        exports.export("add", ExportKind::Func, 3);
        let mut code = CodeSection::new();
        // panic_fmt: logs its argument, then loops forever (a body the test can tell apart).
        let mut panic = Function::new([]);
        panic
            .instructions()
            .local_get(0)
            .call(0)
            .loop_(wasm_encoder::BlockType::Empty)
            .br(0)
            .end()
            .end();
        code.function(&panic);
        let mut check = Function::new([]);
        check.instructions().local_get(0).call(1).end();
        code.function(&check);
        let mut add = Function::new([]);
        add.instructions().local_get(0).local_get(1).i32_add().end();
        code.function(&add);
        let mut names = NameMap::new();
        names.append(0, "env::log");
        names.append(1, panic_name);
        names.append(2, "app::check::h0123456789abcdef");
        names.append(3, "app::add");
        let mut name_section = NameSection::new();
        name_section.functions(&names);
        name_section.locals(&IndirectNameMap::new());
        let mut module = Module::new();
        module
            .section(&types)
            .section(&imports)
            .section(&functions)
            .section(&exports)
            .section(&code)
            .section(&CustomSection {
                name: ".debug_info".into(),
                data: [1u8, 2, 3][..].into(),
            })
            .section(&name_section);
        module.finish()
    }

    /// The operators of each defined function body, printed.
    fn bodies(wasm: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            if let wasmparser::Payload::CodeSectionEntry(body) = payload.expect("parses") {
                let ops: Vec<String> = body
                    .get_operators_reader()
                    .expect("operators")
                    .into_iter()
                    .map(|op| format!("{:?}", op.expect("operator")))
                    .collect();
                out.push(ops.join(" "));
            }
        }
        out
    }

    #[test]
    fn the_panic_entry_point_becomes_unreachable_and_the_rest_stays_byte_for_byte() {
        let wasm = module("core[c5930c85a12de822]::panicking::panic_fmt");
        let before = bodies(&wasm);
        let snipped = snip(&wasm, &["core::panicking::*"]).expect("snips");
        assert_eq!(snipped.names, ["core::panicking::panic_fmt"]);
        let after = bodies(&snipped.wasm);
        assert_eq!(after[0], "Unreachable End");
        assert_ne!(before[0], after[0]);
        assert_eq!(before[1..], after[1..]);
    }

    #[test]
    fn the_snipped_module_validates_keeps_its_names_and_drops_dwarf() {
        let wasm = module("core::panicking::panic_fmt");
        let snipped = snip(&wasm, DIVERGING).expect("snips");
        wasmparser::Validator::new()
            .validate_all(&snipped.wasm)
            .expect("valid");
        let (imported, names) = function_names(&snipped.wasm).expect("names");
        assert_eq!(imported, 1);
        assert_eq!(names.len(), 3);
        let custom: Vec<String> = wasmparser::Parser::new(0)
            .parse_all(&snipped.wasm)
            .filter_map(|p| match p.expect("parses") {
                wasmparser::Payload::CustomSection(s) => Some(s.name().to_owned()),
                _ => None,
            })
            .collect();
        assert_eq!(custom, ["name"]);
    }

    #[test]
    fn a_module_whose_panic_entry_point_has_another_name_is_refused() {
        let wasm = module("core::panicking::panic_formatted");
        let err = snip(&wasm, &["core::panicking::panic_fmt"]).expect_err("refused");
        assert!(err.to_string().contains(REQUIRED), "{err}");
    }

    /// A module with a function table of three formatting impls: one whose slot an `i32.const`
    /// names, one whose slot a data segment holds, one nothing names; and `main`, exported.
    fn table_module() -> Vec<u8> {
        let mut types = TypeSection::new();
        types
            .ty()
            .function([ValType::I32, ValType::I32], [ValType::I32]);
        types.ty().function([], [ValType::I32]);
        let mut functions = FunctionSection::new();
        functions.function(0).function(0).function(0).function(1);
        let mut tables = wasm_encoder::TableSection::new();
        tables.table(wasm_encoder::TableType {
            element_type: wasm_encoder::RefType::FUNCREF,
            table64: false,
            minimum: 4,
            maximum: Some(4),
            shared: false,
        });
        let mut memories = wasm_encoder::MemorySection::new();
        memories.memory(wasm_encoder::MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        let mut exports = ExportSection::new();
        exports.export("main", ExportKind::Func, 3);
        let mut elements = wasm_encoder::ElementSection::new();
        elements.active(
            Some(0),
            &wasm_encoder::ConstExpr::i32_const(1),
            wasm_encoder::Elements::Functions([0, 1, 2][..].into()),
        );
        let mut code = CodeSection::new();
        for _ in 0..3 {
            let mut fmt = Function::new([]);
            fmt.instructions().i32_const(7).i32_const(7).i32_add().end();
            code.function(&fmt);
        }
        // main: the address of slot 1 (function 0), as a `&dyn Display` argument would take it.
        let mut main = Function::new([]);
        main.instructions().i32_const(1).end();
        code.function(&main);
        let mut data = wasm_encoder::DataSection::new();
        // Slot 2 (function 1) in a vtable, at an odd offset to show every offset counts.
        data.active(
            0,
            &wasm_encoder::ConstExpr::i32_const(16),
            [9u8, 2, 0, 0, 0, 9],
        );
        let mut names = NameMap::new();
        names.append(0, "<u32 as core[c5930c85a12de822]::fmt::Display>::fmt");
        names.append(
            1,
            "<app::Thing as core::fmt::Debug>::fmt::h0123456789abcdef",
        );
        names.append(2, "<char as core[c5930c85a12de822]::fmt::Debug>::fmt");
        names.append(3, "main");
        let mut name_section = NameSection::new();
        name_section.functions(&names);
        let mut module = Module::new();
        module
            .section(&types)
            .section(&functions)
            .section(&tables)
            .section(&memories)
            .section(&exports)
            .section(&elements)
            .section(&code)
            .section(&data)
            .section(&name_section);
        module.finish()
    }

    #[test]
    fn only_the_formatting_impl_nothing_can_reach_is_snipped() {
        let wasm = table_module();
        let before = bodies(&wasm);
        let snipped = snip_unreachable_formatting(&wasm).expect("snips");
        assert_eq!(snipped.names, ["<char as core::fmt::Debug>::fmt"]);
        let after = bodies(&snipped.wasm);
        assert_eq!(after[2], "Unreachable End");
        assert_eq!(
            before[..2],
            after[..2],
            "the impls named by code and by data stay"
        );
        assert_eq!(before[3], after[3]);
    }

    #[test]
    fn names_lose_crate_disambiguators_and_symbol_hashes_only() {
        assert_eq!(
            normalise(
                "<std[a543996e6e7dbf1e]::panic::PanicHookInfo as core[c5930c85a12de822]::fmt::Display>::fmt"
            ),
            "<std::panic::PanicHookInfo as core::fmt::Display>::fmt"
        );
        assert_eq!(
            normalise("console_error_panic_hook::hook::ha469e6000eace18a"),
            "console_error_panic_hook::hook"
        );
        assert_eq!(
            normalise("_RNvNtCsgXGp5Oqx2Ny_4core9panicking9panic_fmt"),
            "core::panicking::panic_fmt"
        );
        assert_eq!(
            normalise("_ZN24console_error_panic_hook4hook17ha469e6000eace18aE"),
            "console_error_panic_hook::hook"
        );
        assert_eq!(normalise("a[i]::b::hello"), "a[i]::b::hello");
        assert_eq!(normalise("x::hash::h12"), "x::hash::h12");
    }

    #[test]
    fn patterns_match_exactly_or_by_prefix() {
        assert!(matches("core::panicking::*", "core::panicking::panic"));
        assert!(matches(
            "core::cell::lazy::panic_poisoned",
            "core::cell::lazy::panic_poisoned"
        ));
        assert!(!matches(
            "core::str::slice_error_fail",
            "core::str::slice_error_fail_rt"
        ));
        assert!(!matches(
            "std::panicking::default_hook",
            "std::panicking::set_hook"
        ));
    }
}
