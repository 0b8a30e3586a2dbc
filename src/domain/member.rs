//! Rules of the member register: who a member is, as their ID number tells it.
use chrono::NaiveDate;

use super::RuleViolation;
use super::id_number::{self, IdNumberError};

pub use entity::enums::{Gender, MemberStatus, Stage, TransferKind};

/// A mainland mobile number (`13812345678`) or a landline with its area code (`0591-87654321`).
pub fn is_phone_number(phone: &str) -> bool {
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if phone.len() == 11 && phone.starts_with('1') && digits(phone, 11, 11) {
        return matches!(phone.as_bytes()[1], b'3'..=b'9');
    }
    match phone.split_once('-') {
        Some((area, number)) => area.starts_with('0') && digits(area, 3, 4) && digits(number, 7, 8),
        None => false,
    }
}

/// Where a mobile member takes part in organizational life: a mobile member names a host other
/// than the organization holding the relation, and only a mobile member names one. `Ok(host)`
/// is the host still to be checked for existence.
pub fn check_mobility(
    is_mobile: bool,
    host: Option<uuid::Uuid>,
    home: uuid::Uuid,
) -> Result<Option<uuid::Uuid>, RuleViolation> {
    const FIELD: &str = "host_party_organization_id";
    match (is_mobile, host) {
        (true, None) => Err(RuleViolation::new(
            FIELD,
            "required",
            "a mobile member needs the party organization that hosts them",
        )),
        (false, Some(_)) => Err(RuleViolation::new(
            FIELD,
            "not_mobile",
            "only a mobile member (is_mobile) has a host party organization",
        )),
        (true, Some(host)) if host == home => Err(RuleViolation::new(
            FIELD,
            "same_as_home",
            "the host must differ from the party organization holding the relation",
        )),
        (_, host) => Ok(host),
    }
}

/// The ID number must be valid and agree with the birth date and gender given.
pub fn check_identity(
    id_number: &str,
    birth_date: NaiveDate,
    gender: Gender,
) -> Vec<RuleViolation> {
    let facts = match id_number::parse(id_number) {
        Ok(facts) => facts,
        Err(IdNumberError::Format) => {
            return vec![RuleViolation::new(
                "id_number",
                "format",
                "must be 17 digits followed by a digit or X (GB 11643)",
            )];
        }
        Err(IdNumberError::CheckCharacter(expected)) => {
            return vec![RuleViolation::new(
                "id_number",
                "check_digit",
                format!("the check character should be {expected}"),
            )];
        }
        Err(IdNumberError::BirthDate) => {
            return vec![RuleViolation::new(
                "id_number",
                "birth_date",
                "digits 7 to 14 are not a date",
            )];
        }
    };
    let mut violations = Vec::new();
    if facts.birth_date != birth_date {
        violations.push(RuleViolation::new(
            "birth_date",
            "id_number_mismatch",
            format!("the ID number gives the birth date {}", facts.birth_date),
        ));
    }
    let id_gender = if facts.male {
        Gender::Male
    } else {
        Gender::Female
    };
    if id_gender != gender {
        violations.push(RuleViolation::new(
            "gender",
            "id_number_mismatch",
            format!("the ID number gives the gender {id_gender}"),
        ));
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_mobiles_or_landlines_with_area_code() {
        assert!(is_phone_number("13812345678"));
        assert!(is_phone_number("0591-87654321"));
        assert!(is_phone_number("010-8765432"));
        assert!(!is_phone_number("12812345678"));
        assert!(!is_phone_number("1381234567"));
        assert!(!is_phone_number("87654321"));
        assert!(!is_phone_number("591-87654321"));
    }

    #[test]
    fn birth_date_and_gender_must_agree_with_the_id_number() {
        let birth = NaiveDate::from_ymd_opt(1949, 12, 31).unwrap();
        assert!(check_identity("11010519491231002X", birth, Gender::Female).is_empty());
        let wrong = check_identity(
            "11010519491231002X",
            birth.succ_opt().unwrap(),
            Gender::Male,
        );
        let fields: Vec<_> = wrong.iter().map(|v| (v.field, v.code)).collect();
        assert_eq!(
            fields,
            [
                ("birth_date", "id_number_mismatch"),
                ("gender", "id_number_mismatch")
            ]
        );
    }
}
