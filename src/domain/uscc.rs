//! The Unified Social Credit Code (统一社会信用代码, GB 32100-2015).
//!
//! 18 characters: registration authority (1), organization type (1), region (6),
//! organization code (9), check character (1). The alphabet has 31 characters (no I, O, S, V, Z).

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a string is not a Unified Social Credit Code (GB 32100-2015).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsccError {
    Length(usize),
    Character { position: usize, found: char },
    CheckCharacter { expected: char, found: char },
}

impl UsccError {
    /// The machine-readable rule name used in problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            UsccError::Length(_) => "length",
            UsccError::Character { .. } => "alphabet",
            UsccError::CheckCharacter { .. } => "check_digit",
        }
    }
}

impl std::fmt::Display for UsccError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UsccError::Length(n) => write!(f, "must be 18 characters, found {n}"),
            UsccError::Character { position, found } => write!(
                f,
                "character {position} is {found:?}; allowed are 0-9 and A-Z except I, O, S, V, Z"
            ),
            UsccError::CheckCharacter { expected, found } => {
                write!(f, "check character is {found:?}, it should be {expected:?}")
            }
        }
    }
}

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters: (31 − Σ cᵢwᵢ mod 31) mod 31,
/// with wᵢ = 3^(i−1) mod 31.
pub fn check_character(first17: &[u8]) -> Option<char> {
    let mut sum = 0;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += value_of(*c)? * w;
    }
    Some(ALPHABET[((31 - sum % 31) % 31) as usize] as char)
}

/// Checks length, alphabet and check character (GB 32100-2015).
pub fn validate(code: &str) -> Result<(), UsccError> {
    let length = code.chars().count();
    if length != 18 {
        return Err(UsccError::Length(length));
    }
    if let Some((i, c)) = code
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii() || value_of(*c as u8).is_none())
    {
        return Err(UsccError::Character {
            position: i + 1,
            found: c,
        });
    }
    let bytes = code.as_bytes();
    let expected = check_character(&bytes[..17]).expect("alphabet checked above");
    let found = bytes[17] as char;
    if expected != found {
        return Err(UsccError::CheckCharacter { expected, found });
    }
    Ok(())
}

/// The registration authority (first character) and organization type (second) of a code
/// whose syntax is valid.
pub fn type_prefix(code: &str) -> &str {
    &code[..2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_good_codes_pass() {
        assert_eq!(validate("91350100M000100Y43"), Ok(()));
    }

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1;
        for expected in WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn a_changed_character_fails_the_check() {
        assert_eq!(
            validate("91350100M000100Y44"),
            Err(UsccError::CheckCharacter {
                expected: '3',
                found: '4'
            })
        );
    }

    #[test]
    fn forbidden_letters_and_lengths_fail() {
        assert_eq!(validate("91350100M000100Y4"), Err(UsccError::Length(17)));
        assert_eq!(
            validate("91350100I000100Y43"),
            Err(UsccError::Character {
                position: 9,
                found: 'I'
            })
        );
        assert_eq!(
            validate("91350100m000100Y43"),
            Err(UsccError::Character {
                position: 9,
                found: 'm'
            })
        );
        assert_eq!(
            validate("９1350100M000100Y43"),
            Err(UsccError::Character {
                position: 1,
                found: '９'
            })
        );
    }
}
