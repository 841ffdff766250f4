//! CSV as RFC 4180 says, in UTF-8, safe to open in a spreadsheet, written in chunks.
//!
//! - Records end with CRLF; a field holding `"`, `,`, CR or LF is quoted and its quotes doubled.
//! - **Spreadsheet injection** (CWE-1236): a text cell that begins with `=`, `+`, `-`, `@`, TAB
//!   or CR would be run as a formula by Excel, LibreOffice or Google Sheets. Such a cell is
//!   written with a leading apostrophe (`'=1+1`), which every spreadsheet shows as text and hides
//!   in the cell; so that the rule stays reversible, a text cell that already begins with an
//!   apostrophe gets one more (`'abc` → `''abc`). To read the original value back, drop one leading
//!   apostrophe from a text cell that has one. Numbers ([`Cell::Int`], [`Cell::Float`],
//!   [`Cell::Fixed`]) are written as numbers: a minus sign there is a sign, not a formula.
//! - No byte-order mark (statistical tools read UTF-8 without one); the `Content-Type` is
//!   [`CONTENT_TYPE`].
//!
//! [`CsvWriter`] appends records to a buffer that the caller takes as a chunk whenever it likes
//! (a page of rows read from the database); [`stream`] turns pages into a response body, so an
//! export of any size holds one page in memory.

use std::borrow::Cow;
use std::future::Future;

use actix_web::web::Bytes;
use futures_util::Stream;

use crate::db::DbError;

/// The media type of every CSV export (RFC 4180 with its `header` parameter).
pub const CONTENT_TYPE: &str = "text/csv; charset=utf-8; header=present";

/// One field of a record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    /// Text, neutralised against spreadsheet injection.
    Text(&'a str),
    /// An integer.
    Int(i64),
    /// A number in the shortest form that reads back the same; empty when not finite.
    Float(f64),
    /// A number with this many decimals; empty when not finite.
    Fixed(f64, usize),
    /// `true` or `false`.
    Bool(bool),
    /// An empty field (a missing value).
    Empty,
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(s: &'a str) -> Self {
        Cell::Text(s)
    }
}

impl<'a> From<&'a String> for Cell<'a> {
    fn from(s: &'a String) -> Self {
        Cell::Text(s)
    }
}

impl From<i64> for Cell<'_> {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl From<i32> for Cell<'_> {
    fn from(n: i32) -> Self {
        Cell::Int(i64::from(n))
    }
}

impl From<bool> for Cell<'_> {
    fn from(b: bool) -> Self {
        Cell::Bool(b)
    }
}

impl<'a, T: Into<Cell<'a>>> From<Option<T>> for Cell<'a> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Cell::Empty, Into::into)
    }
}

/// The characters that make a spreadsheet read a cell as a formula, and the apostrophe that
/// marks a neutralised cell.
const NEUTRALISED_FIRST: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// `text` as it is written: with a leading apostrophe when it begins with `=`, `+`, `-`, `@`,
/// TAB, CR or an apostrophe.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(NEUTRALISED_FIRST) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Appends CSV records to a buffer taken in chunks.
#[derive(Debug, Default)]
pub struct CsvWriter {
    buf: Vec<u8>,
}

impl CsvWriter {
    /// An empty writer.
    pub fn new() -> CsvWriter {
        CsvWriter::default()
    }

    /// An empty writer with room for `bytes`.
    pub fn with_capacity(bytes: usize) -> CsvWriter {
        CsvWriter {
            buf: Vec::with_capacity(bytes),
        }
    }

    fn field(&mut self, text: &str) {
        if text.contains(['"', ',', '\r', '\n']) {
            self.buf.push(b'"');
            for (i, part) in text.split('"').enumerate() {
                if i > 0 {
                    self.buf.extend_from_slice(b"\"\"");
                }
                self.buf.extend_from_slice(part.as_bytes());
            }
            self.buf.push(b'"');
        } else {
            self.buf.extend_from_slice(text.as_bytes());
        }
    }

    /// Appends one record.
    pub fn record<'a>(&mut self, cells: impl IntoIterator<Item = Cell<'a>>) {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            match cell {
                Cell::Text(text) => self.field(&neutralise(text)),
                Cell::Int(n) => self.buf.extend_from_slice(n.to_string().as_bytes()),
                Cell::Float(x) if x.is_finite() => {
                    self.buf.extend_from_slice(x.to_string().as_bytes());
                }
                Cell::Fixed(x, places) if x.is_finite() => {
                    self.buf
                        .extend_from_slice(format!("{x:.places$}").as_bytes());
                }
                Cell::Bool(b) => self
                    .buf
                    .extend_from_slice(if b { b"true" } else { b"false" }),
                Cell::Float(_) | Cell::Fixed(..) | Cell::Empty => {}
            }
        }
        self.buf.extend_from_slice(b"\r\n");
    }

    /// Appends a header record of column names.
    pub fn header(&mut self, names: &[&str]) {
        self.record(names.iter().map(|n| Cell::Text(n)));
    }

    /// Bytes written and not yet taken.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing is waiting to be taken.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Takes what was written so far as one chunk, leaving the writer empty.
    pub fn take(&mut self) -> Bytes {
        Bytes::from(std::mem::take(&mut self.buf))
    }

    /// Everything written.
    pub fn into_bytes(self) -> Bytes {
        Bytes::from(self.buf)
    }
}

/// A streaming CSV body: the header record, then the chunk of each page. `next(cursor)` reads
/// one page (off the async threads, typically through [`crate::db::Database::run`]) and returns
/// its records as bytes with the cursor of the following page, or `None` after the last page.
/// Pages are read only as fast as the client takes them, so memory holds about one page.
pub fn stream<C, F, Fut>(
    header: &[&str],
    start: C,
    next: F,
) -> impl Stream<Item = Result<Bytes, DbError>> + 'static
where
    C: 'static,
    F: FnMut(C) -> Fut + 'static,
    Fut: Future<Output = Result<(Bytes, Option<C>), DbError>> + 'static,
{
    let mut first = CsvWriter::new();
    first.header(header);
    let head = futures_util::stream::once(std::future::ready(Ok(first.into_bytes())));
    futures_util::StreamExt::chain(head, super::stream::pages(start, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written<'a>(cells: impl IntoIterator<Item = Cell<'a>>) -> String {
        let mut w = CsvWriter::new();
        w.record(cells);
        String::from_utf8(w.into_bytes().to_vec()).unwrap_or_default()
    }

    #[test]
    fn fields_with_quotes_commas_and_line_breaks_are_quoted_per_rfc_4180() {
        assert_eq!(written([Cell::Text("a"), Cell::Text("b c")]), "a,b c\r\n");
        assert_eq!(written([Cell::Text("x,y")]), "\"x,y\"\r\n");
        assert_eq!(
            written([Cell::Text("say \"hi\"")]),
            "\"say \"\"hi\"\"\"\r\n"
        );
        assert_eq!(written([Cell::Text("two\nlines")]), "\"two\nlines\"\r\n");
        assert_eq!(written([Cell::Text(""), Cell::Empty]), ",\r\n");
    }

    #[test]
    fn cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised() {
        for (raw, out) in [
            (
                "=HYPERLINK(\"http://x\")",
                "\"'=HYPERLINK(\"\"http://x\"\")\"\r\n",
            ),
            ("+39 06 1234", "'+39 06 1234\r\n"),
            ("-2+3", "'-2+3\r\n"),
            ("@SUM(A1)", "'@SUM(A1)\r\n"),
            ("\tcmd", "'\tcmd\r\n"),
            ("\r=1", "\"'\r=1\"\r\n"),
            ("'already", "''already\r\n"),
            ("ok =1", "ok =1\r\n"),
        ] {
            assert_eq!(written([Cell::Text(raw)]), out, "{raw:?}");
        }
    }

    #[test]
    fn numbers_are_written_as_numbers_and_missing_ones_empty() {
        assert_eq!(
            written([
                Cell::Int(-3),
                Cell::Float(4.25),
                Cell::Fixed(-0.5, 2),
                Cell::Float(f64::NAN),
                Cell::Bool(true),
                Cell::from(None::<i64>),
                Cell::from(Some("è")),
            ]),
            "-3,4.25,-0.50,,true,,è\r\n"
        );
    }

    /// Reads RFC 4180 CSV back (quoted fields, doubled quotes, CRLF records), undoing the
    /// neutralisation as the module's documentation says.
    fn parse(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => record.push(std::mem::take(&mut field)),
                (false, '\r') if chars.peek() == Some(&'\n') => {
                    chars.next();
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                (false, c) => field.push(c),
            }
        }
        records
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|f| f.strip_prefix('\'').map(str::to_owned).unwrap_or(f))
                    .collect()
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn any_text_reads_back_exactly_after_quoting_and_neutralising(
            cells in proptest::collection::vec(".*", 1..6),
            rows in 1_usize..4,
        ) {
            let mut w = CsvWriter::new();
            for _ in 0..rows {
                w.record(cells.iter().map(|c| Cell::Text(c)));
            }
            let text = String::from_utf8(w.into_bytes().to_vec()).unwrap_or_default();
            let back = parse(&text);
            proptest::prop_assert_eq!(back.len(), rows);
            for record in back {
                proptest::prop_assert_eq!(&record, &cells);
            }
        }

        #[test]
        fn no_written_field_begins_with_a_formula_character(cell in ".*") {
            let mut w = CsvWriter::new();
            w.record([Cell::Text(&cell)]);
            let text = String::from_utf8(w.into_bytes().to_vec()).unwrap_or_default();
            let record = text.strip_suffix("\r\n").unwrap_or(&text);
            let field = record.strip_prefix('"').unwrap_or(record);
            proptest::prop_assert!(!field.starts_with(['=', '+', '-', '@', '\t', '\r']));
        }
    }

    #[actix_web::test]
    async fn a_stream_yields_the_header_then_each_page_in_order() {
        use futures_util::StreamExt;
        let body = stream(&["n", "square"], 0_i64, |page| async move {
            let mut w = CsvWriter::new();
            for n in page * 2..page * 2 + 2 {
                w.record([Cell::Int(n), Cell::Int(n * n)]);
            }
            Ok((w.into_bytes(), (page < 2).then_some(page + 1)))
        });
        let chunks: Vec<Result<Bytes, DbError>> = body.collect().await;
        let text: String = chunks
            .iter()
            .map(|c| match c {
                Ok(b) => String::from_utf8_lossy(b).into_owned(),
                Err(e) => format!("error {e}"),
            })
            .collect();
        assert_eq!(chunks.len(), 4);
        assert_eq!(
            text,
            "n,square\r\n0,0\r\n1,1\r\n2,4\r\n3,9\r\n4,16\r\n5,25\r\n"
        );
    }
}
