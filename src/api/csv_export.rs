//! `Accept: text/csv` on a list: the same filters, every matching row (from `cursor` on, if
//! given), streamed a page at a time so that an export of any size holds one page in memory.
//! Every CSV the API writes (lists and reports) is UTF-8 with a byte-order mark, which Excel and
//! WPS need to read it as UTF-8 rather than GBK, or GBK (GB18030) when the request's `Accept`
//! says `text/csv; charset=gbk`.
use std::future::Future;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use bytes::Bytes;
use serde::Serialize;
use uuid::Uuid;

use crate::domain::text::defuse_formula;
use crate::error::ApiError;
use crate::service::resource::{Page, decode_cursor};

/// The text encoding of a CSV response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charset {
    /// UTF-8 starting with a byte-order mark (the default).
    Utf8,
    /// GB18030, a superset of GBK, for older spreadsheet programs.
    Gbk,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl Charset {
    /// `gbk` (or `gb2312`, `gb18030`) when a `text/csv` media range of `Accept` names it.
    pub fn of(req: &HttpRequest) -> Charset {
        let accept = req
            .headers()
            .get_all(header::ACCEPT)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .find(|range| {
                range
                    .split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv"))
            })
            .unwrap_or("")
            .to_ascii_lowercase();
        let named = accept
            .split(';')
            .skip(1)
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim() == "charset")
            .map(|(_, v)| v.trim().trim_matches('"').to_owned());
        match named.as_deref() {
            Some("gbk" | "gb2312" | "gb18030") => Charset::Gbk,
            _ => Charset::Utf8,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Charset::Utf8 => "text/csv; charset=utf-8",
            Charset::Gbk => "text/csv; charset=gbk",
        }
    }

    /// UTF-8 CSV text in this charset; `first` puts the byte-order mark before UTF-8.
    fn encode(self, utf8: Vec<u8>, first: bool) -> Bytes {
        match self {
            Charset::Utf8 if first => {
                let mut out = Vec::with_capacity(BOM.len() + utf8.len());
                out.extend_from_slice(BOM);
                out.extend_from_slice(&utf8);
                Bytes::from(out)
            }
            Charset::Utf8 => Bytes::from(utf8),
            Charset::Gbk => {
                let text = String::from_utf8_lossy(&utf8);
                let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
                Bytes::from(bytes.into_owned())
            }
        }
    }
}

/// A whole CSV document (a report) as an attachment named `filename` (without `.csv`).
pub fn attachment(req: &HttpRequest, filename: &str, utf8: Vec<u8>) -> HttpResponse {
    let charset = Charset::of(req);
    HttpResponse::Ok()
        .content_type(charset.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}.csv\""),
        ))
        .body(charset.encode(utf8, true))
}

/// One cell: text as it is (but see [`defuse_formula`]), numbers and booleans written out, lists
/// joined with `;`, nothing for null.
fn cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => defuse_formula(s),
        serde_json::Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(";"),
        other => other.to_string(),
    }
}

fn encode<T: Serialize>(columns: &[&str], rows: &[T], header: bool) -> Result<Vec<u8>, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
    if header {
        writer.write_record(columns).map_err(fail)?;
    }
    for row in rows {
        let value = serde_json::to_value(row).map_err(|e| ApiError::Internal(e.to_string()))?;
        writer
            .write_record(columns.iter().map(|c| cell(&value[*c])))
            .map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("csv: {e}")))
}

/// Streams the rows `next_page(after)` yields, page after page, as CSV with `columns` (fields of
/// the JSON representation) in this order. `first` is where the export starts (the `cursor`).
pub fn stream<T, F, Fut>(
    charset: Charset,
    filename: &str,
    columns: &'static [&'static str],
    first: Option<Uuid>,
    next_page: F,
) -> HttpResponse
where
    T: Serialize + 'static,
    F: FnMut(Option<Uuid>) -> Fut + 'static,
    Fut: Future<Output = Result<Page<T>, ApiError>> + 'static,
{
    struct State<F> {
        next_page: F,
        after: Option<Uuid>,
        started: bool,
        done: bool,
    }
    let state = State {
        next_page,
        after: first,
        started: false,
        done: false,
    };
    let body = futures_util::stream::unfold(state, move |mut state| async move {
        if state.done {
            return None;
        }
        let result = (state.next_page)(state.after).await.and_then(|page| {
            let chunk = charset.encode(
                encode(columns, &page.items, !state.started)?,
                !state.started,
            );
            state.started = true;
            state.after = page.next_cursor.as_deref().and_then(decode_cursor);
            state.done = state.after.is_none();
            Ok(chunk)
        });
        if result.is_err() {
            state.done = true;
        }
        Some((result, state))
    });
    HttpResponse::Ok()
        .content_type(charset.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}.csv\""),
        ))
        .streaming(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any row of text cells an export writes, the CSV reader the imports use reads back
        /// cell for cell, once the formula quotes are restored (quotes, commas, line breaks,
        /// leading `=`/`'`, Chinese text alike).
        #[test]
        fn exported_rows_read_back_as_they_were(
            cells in proptest::collection::vec("[\\PC\r\n\t\"',=+@-]{0,12}", 1..6),
        ) {
            let columns: Vec<String> = (0..cells.len()).map(|n| format!("c{n}")).collect();
            let names: Vec<&str> = columns.iter().map(String::as_str).collect();
            let row: serde_json::Map<String, serde_json::Value> = columns
                .iter()
                .cloned()
                .zip(cells.iter().map(|c| serde_json::Value::from(c.as_str())))
                .collect();
            let bytes = encode(&names, &[row], true).unwrap();
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(&bytes[..]);
            let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
            prop_assert_eq!(header, columns);
            let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
            prop_assert_eq!(records.len(), 1);
            let read: Vec<&str> = records[0].iter().map(crate::domain::text::restore_formula).collect();
            prop_assert_eq!(read, cells.iter().map(String::as_str).collect::<Vec<_>>());
        }

        /// Whatever bytes arrive, the reader answers with records or an error, never a panic.
        #[test]
        fn any_bytes_read_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(&bytes[..]);
            let _ = reader.headers();
            for record in reader.records() {
                let _ = record;
            }
        }
    }

    #[test]
    fn cells_flatten_json_values() {
        let value = serde_json::json!({"a": null, "b": "x,y", "c": 3, "d": true, "e": ["p", "q"]});
        let cells: Vec<String> = ["a", "b", "c", "d", "e", "missing"]
            .iter()
            .map(|c| cell(&value[*c]))
            .collect();
        assert_eq!(cells, ["", "x,y", "3", "true", "p;q", ""]);
        let bytes = encode(&["b"], &[value], true).unwrap();
        assert_eq!(&bytes[..], b"b\n\"x,y\"\n");
    }

    #[test]
    fn text_a_spreadsheet_would_run_is_defused() {
        for formula in [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
        ] {
            assert_eq!(cell(&serde_json::json!(formula)), format!("'{formula}"));
        }
        assert_eq!(cell(&serde_json::json!("福州云帆")), "福州云帆");
        assert_eq!(cell(&serde_json::json!(-5)), "-5");
    }
}
