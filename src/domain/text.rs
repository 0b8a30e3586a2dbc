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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tab_and_line_breaks_are_allowed() {
        assert!(!has_control_character("福州\t云帆\r\n科技"));
        for bad in ["a\u{0}b", "\u{7}", "x\u{1b}[31m", "\u{7f}", "\u{85}"] {
            assert!(has_control_character(bad), "{bad:?}");
        }
    }
}
