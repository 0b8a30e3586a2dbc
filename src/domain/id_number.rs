//! Resident ID-card numbers (GB 11643-1999): 17 digits and a check character. Digits 7–14 are
//! the birth date; digit 17 is odd for men and even for women.
use chrono::NaiveDate;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARACTERS: &[u8; 11] = b"10X98765432";

/// What an ID number says about its holder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdNumberFacts {
    pub birth_date: NaiveDate,
    pub male: bool,
}

/// Why a string is not a resident ID-card number (GB 11643-1999).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdNumberError {
    /// Not 17 digits followed by a digit or `X`.
    Format,
    /// The check character should be this one.
    CheckCharacter(char),
    /// Digits 7–14 are not a date.
    BirthDate,
}

/// The check character for the first 17 digits.
pub fn check_character(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    Some(CHECK_CHARACTERS[(sum % 11) as usize] as char)
}

/// GB 11643-1999: an 18-character citizen ID number with its check character, birth date and
/// gender (odd sequence digit: male).
pub fn parse(id_number: &str) -> Result<IdNumberFacts, IdNumberError> {
    let bytes = id_number.as_bytes();
    if bytes.len() != 18 || !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
        return Err(IdNumberError::Format);
    }
    let expected = check_character(&bytes[..17]).ok_or(IdNumberError::Format)?;
    if bytes[17] as char != expected {
        return Err(IdNumberError::CheckCharacter(expected));
    }
    let birth_date = NaiveDate::parse_from_str(&id_number[6..14], "%Y%m%d")
        .map_err(|_| IdNumberError::BirthDate)?;
    Ok(IdNumberFacts {
        birth_date,
        male: (bytes[16] - b'0') % 2 == 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_sample_passes_and_tells_birth_date_and_gender() {
        let facts = parse("11010519491231002X").unwrap();
        assert_eq!(
            facts.birth_date,
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert!(!facts.male);
    }

    #[test]
    fn a_wrong_check_character_names_the_right_one() {
        assert_eq!(
            parse("110105194912310021"),
            Err(IdNumberError::CheckCharacter('X'))
        );
        assert_eq!(parse("11010519491231002x"), Err(IdNumberError::Format));
        assert_eq!(parse("1101051949123100"), Err(IdNumberError::Format));
    }

    #[test]
    fn an_impossible_birth_date_is_refused() {
        let first17 = b"11010519490230002";
        let check = check_character(first17).unwrap();
        let number = format!("{}{check}", std::str::from_utf8(first17).unwrap());
        assert_eq!(parse(&number), Err(IdNumberError::BirthDate));
    }
}
