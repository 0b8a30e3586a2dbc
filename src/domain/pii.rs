//! Masking of personal data for callers without `pii:read`.

/// `13812345678` → `138****5678`: the first three and last four digits stay.
pub fn mask_phone(phone: &str) -> String {
    mask(phone, 3, 4)
}

/// `11010519491231002X` → `110105********002X`: the region and the last four stay.
pub fn mask_id_number(id_number: &str) -> String {
    mask(id_number, 6, 4)
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
}
