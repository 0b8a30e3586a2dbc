//! Administrative division codes (GB/T 2260) and region prefixes.
//!
//! A county-level code has 6 digits (`110105`), a township or street 9 (`110105001`). A region
//! is matched by its code without trailing `00` pairs: `110000` → `11`, `110100` → `1101`, so
//! "everything in Beijing" is every code starting with `11`.

/// Why a string is not a region code of the expected shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegionCodeError {
    NotDigits,
    Length(usize),
}

impl std::fmt::Display for RegionCodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegionCodeError::NotDigits => write!(f, "must contain digits only"),
            RegionCodeError::Length(n) => write!(f, "must have 6 or 9 digits, found {n}"),
        }
    }
}

/// A full code as stored on an organization: 6 digits (county) or 9 (township).
pub fn validate_full_code(code: &str) -> Result<(), RegionCodeError> {
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RegionCodeError::NotDigits);
    }
    match code.len() {
        6 | 9 => Ok(()),
        n => Err(RegionCodeError::Length(n)),
    }
}

/// The prefix a region code stands for, for filters and scopes. Accepts a full code (`110100`)
/// or an already-short prefix (`1101`): 2, 4, 6 or 9 digits. Returns `None` when it is neither.
pub fn prefix_of(code: &str) -> Option<&str> {
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match code.len() {
        2 | 4 => Some(code),
        6 => {
            let mut prefix = code;
            while prefix.len() > 2 && prefix.ends_with("00") {
                prefix = &prefix[..prefix.len() - 2];
            }
            Some(prefix)
        }
        9 if code.ends_with("000") => prefix_of(&code[..6]),
        9 => Some(code),
        _ => None,
    }
}

/// The division code a region prefix stands for: `35` → `350000`, `3501` → `350100`; six- and
/// nine-digit codes are themselves.
pub fn full_code(prefix: &str) -> String {
    match prefix.len() {
        2 => format!("{prefix}0000"),
        4 => format!("{prefix}00"),
        _ => prefix.to_owned(),
    }
}

/// The smallest digit string greater than every string with this prefix, so that
/// `code >= prefix AND code < upper_bound(prefix)` selects the region with an index range.
/// Digits only, so the comparison means the same under any database collation.
/// `None` when no bound exists (a prefix of all nines).
pub fn upper_bound(prefix: &str) -> Option<String> {
    let mut digits = prefix.as_bytes().to_vec();
    while let Some(last) = digits.pop() {
        if last < b'9' {
            digits.push(last + 1);
            return Some(String::from_utf8(digits).expect("digits stay ASCII"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_codes_have_six_or_nine_digits() {
        assert_eq!(validate_full_code("110105"), Ok(()));
        assert_eq!(validate_full_code("110105001"), Ok(()));
        assert_eq!(validate_full_code("11010"), Err(RegionCodeError::Length(5)));
        assert_eq!(
            validate_full_code("11010x"),
            Err(RegionCodeError::NotDigits)
        );
    }

    #[test]
    fn trailing_zero_pairs_are_dropped() {
        assert_eq!(prefix_of("110000"), Some("11"));
        assert_eq!(prefix_of("110100"), Some("1101"));
        assert_eq!(prefix_of("110105"), Some("110105"));
        assert_eq!(prefix_of("11"), Some("11"));
        assert_eq!(prefix_of("1101"), Some("1101"));
        assert_eq!(prefix_of("110105001"), Some("110105001"));
        assert_eq!(prefix_of("110105000"), Some("110105"));
        assert_eq!(prefix_of("441900000"), Some("4419"));
        assert_eq!(prefix_of("1"), None);
        assert_eq!(prefix_of("11a"), None);
        assert_eq!(prefix_of(""), None);
    }

    #[test]
    fn upper_bound_excludes_neighbours() {
        assert_eq!(upper_bound("1101").as_deref(), Some("1102"));
        assert_eq!(upper_bound("11").as_deref(), Some("12"));
        assert_eq!(upper_bound("1109").as_deref(), Some("111"));
        assert_eq!(upper_bound("99"), None);
        let bound = upper_bound("1109").unwrap();
        assert!("110999" < bound.as_str() && "111000" >= bound.as_str());
    }
}
