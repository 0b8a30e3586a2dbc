//! Free text as the register keeps it (hardening: PostgreSQL cannot store U+0000 at all, and
//! other control characters break CSV exports, calendar feeds and logs).

/// Text may hold tab, line feed and carriage return, but no other control character (C0, DEL
/// or C1): the same answer on every database.
pub fn has_control_character(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// The refusal code for such text, named in every 422 that reports it.
pub const CONTROL_CHARACTER: &str = "control_character";

/// The message for such text.
pub const CONTROL_CHARACTER_MESSAGE: &str =
    "must not contain control characters (only tab, line feed and carriage return are allowed)";

/// Whether a spreadsheet would run this cell as a formula (OWASP, CSV injection): it starts with
/// `=`, `+`, `-`, `@`, a tab or a CR — or with a `'` before such text, so that the quote that
/// [`defuse_formula`] adds can always be told from one the text had.
fn runs_as_formula(text: &str) -> bool {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => true,
        Some('\'') => runs_as_formula(&text[1..]),
        _ => false,
    }
}

/// A text cell for a CSV export that Excel and WPS show as text, never run (OWASP, CSV
/// injection): a leading `'` where a spreadsheet would see a formula.
pub fn defuse_formula(text: &str) -> String {
    if runs_as_formula(text) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// A cell of an imported CSV as it was before [`defuse_formula`]: an export imported again
/// gives back the same text.
pub fn restore_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if runs_as_formula(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_for_export_and_restored_on_import() {
        for (text, exported) in [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("-2+3", "'-2+3"),
            ("'=1", "''=1"),
            ("'plain", "'plain"),
            ("福州", "福州"),
            ("", ""),
        ] {
            assert_eq!(defuse_formula(text), exported);
            assert_eq!(restore_formula(exported), text);
        }
    }

    #[test]
    fn only_tab_and_line_breaks_are_allowed() {
        assert!(!has_control_character("福州\t云帆\r\n科技"));
        for bad in ["a\u{0}b", "\u{7}", "x\u{1b}[31m", "\u{7f}", "\u{85}"] {
            assert!(has_control_character(bad), "{bad:?}");
        }
    }
}
