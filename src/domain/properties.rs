//! Property tests of the parsers that read what clients send: for any input they answer without
//! panicking, and what they accept they read back exactly.
use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;

use super::{id_number, recurrence, region, text, uscc};

const USCC_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

proptest! {
    #[test]
    fn a_defused_cell_is_restored_to_the_text_it_was(cell in "['=+@\t\r-]{0,3}\\PC{0,8}") {
        let exported = text::defuse_formula(&cell);
        prop_assert_eq!(text::restore_formula(&exported), cell.as_str());
        let first = exported.chars().next();
        prop_assert!(!matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')));
    }

    #[test]
    fn uscc_accepts_exactly_the_codes_with_their_check_character(
        first17 in proptest::collection::vec(proptest::sample::select(USCC_ALPHABET), 17),
        position in 0usize..17,
        replacement in proptest::sample::select(USCC_ALPHABET),
    ) {
        let check = uscc::check_character(&first17).unwrap();
        let code = format!("{}{check}", String::from_utf8(first17.clone()).unwrap());
        prop_assert!(uscc::validate(&code).is_ok());
        // Changing one character (to another) breaks the check character.
        let mut changed = first17.clone();
        prop_assume!(changed[position] != replacement);
        changed[position] = replacement;
        let changed = format!("{}{check}", String::from_utf8(changed).unwrap());
        prop_assert!(uscc::validate(&changed).is_err());
    }

    #[test]
    fn uscc_and_id_numbers_never_panic_on_any_text(text in "\\PC{0,24}") {
        let _ = uscc::validate(&text);
        let _ = id_number::parse(&text);
        let _ = region::prefix_of(&text);
        let _ = region::validate_full_code(&text);
    }

    #[test]
    fn id_numbers_read_back_their_birth_date_and_gender(
        days in 0i64..40_000,
        sequence in 0u32..1000,
        area in proptest::sample::select(vec!["110105", "350102", "441900", "460400"]),
    ) {
        let birth = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap() + chrono::Duration::days(days);
        let first17 = format!("{area}{}{sequence:03}", birth.format("%Y%m%d"));
        let check = id_number::check_character(first17.as_bytes()).unwrap();
        let facts = id_number::parse(&format!("{first17}{check}")).unwrap();
        prop_assert_eq!(facts.birth_date, birth);
        prop_assert_eq!(facts.male, sequence % 2 == 1);
        prop_assert_eq!(facts.birth_date.year(), birth.year());
    }

    #[test]
    fn region_prefixes_round_trip_through_full_codes(code in "[1-6][0-9]{5}") {
        if let Some(prefix) = region::prefix_of(&code) {
            prop_assert_eq!(region::full_code(prefix), code.clone());
            prop_assert!(code.starts_with(prefix));
            if let Some(upper) = region::upper_bound(prefix) {
                prop_assert!(code.as_str() < upper.as_str());
            }
        }
    }

    #[test]
    fn recurrence_rules_never_panic(
        rule in "(FREQ=(MONTHLY|YEARLY|DAILY|x)|INTERVAL=[0-9]{1,3}|BYMONTHDAY=-?[0-9]{1,2}|BYDAY=-?[0-9]?(MO|FR|XX)|BYMONTH=[0-9]{1,2}|COUNT=[0-9]{1,4}|UNTIL=2026[0-9]{4}|;|\\PC){0,8}",
    ) {
        let _ = recurrence::check(&rule, "Asia/Shanghai");
    }
}
