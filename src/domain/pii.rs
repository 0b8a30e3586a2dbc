//! Masking of personal data for callers without `pii:read`.

/// `13812345678` → `138****5678`: the first three and last four digits stay.
pub fn mask_phone(phone: &str) -> String {
    mask(phone, 3, 4)
}

/// `11010519491231002X` → `110105********002X`: the region and the last four stay.
pub fn mask_id_number(id_number: &str) -> String {
    mask(id_number, 6, 4)
}

/// The character masked personal data shows in place of what it hides.
pub const MASK: char = '*';

/// The masked form of a personal-data field's value, by field name, or `None` for a field that
/// is not personal data (Personal Information Protection Law art. 51: de-identified by default).
/// Every personal-data field of every resource is named here, so that a masked value written
/// back is recognised wherever it arrives.
pub fn masked_form(field: &str, value: &str) -> Option<String> {
    match field {
        "phone" | "contact_phone" => Some(mask_phone(value)),
        "id_number" => Some(mask_id_number(value)),
        _ => None,
    }
}

/// Whether `field` holds personal data (see [`masked_form`]).
pub fn is_personal(field: &str) -> bool {
    masked_form(field, "").is_some()
}

/// What a client sent for a personal-data field whose stored value is `stored`: `Ok(true)` for
/// the stored value's masked form (a form sending back what it read: unchanged), `Ok(false)` for
/// a value to store, `Err` for other text holding the mask character (it would overwrite the
/// real value with stars).
pub fn read_back(field: &str, sent: &str, stored: Option<&str>) -> Result<bool, MaskedValue> {
    if !sent.contains(MASK) {
        return Ok(false);
    }
    match stored.and_then(|s| masked_form(field, s)) {
        Some(masked) if masked == sent => Ok(true),
        _ if stored == Some(sent) => Ok(true),
        _ => Err(MaskedValue),
    }
}

/// Masked text sent as a personal-data value.
#[derive(Debug, PartialEq, Eq)]
pub struct MaskedValue;

impl MaskedValue {
    pub const CODE: &'static str = "masked_value";
    pub const MESSAGE: &'static str = "holds the mask character `*`: send the real value, or the masked value exactly as read to leave it unchanged";
}

/// Keeps `head` and `tail` characters and stars the rest; short values are starred whole.
fn mask(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let stars = "*".repeat(chars.len() - head - tail);
    let start: String = chars[..head].iter().collect();
    let end: String = chars[chars.len() - tail..].iter().collect();
    format!("{start}{stars}{end}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_id_numbers_keep_only_their_ends() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("0591-87654321"), "059******4321");
        assert_eq!(mask_phone("1234567"), "*******");
        assert_eq!(mask_id_number("11010519491231002X"), "110105********002X");
    }

    #[test]
    fn a_masked_value_sent_back_means_unchanged_and_other_stars_are_refused() {
        let stored = Some("13812345678");
        assert_eq!(read_back("phone", "138****5678", stored), Ok(true));
        assert_eq!(read_back("phone", "13912345678", stored), Ok(false));
        assert_eq!(read_back("phone", "139****5678", stored), Err(MaskedValue));
        assert_eq!(read_back("phone", "138****5678", None), Err(MaskedValue));
        assert_eq!(read_back("contact_phone", "***", Some("***")), Ok(true));
        assert!(is_personal("id_number") && !is_personal("name"));
    }
}
