//! Rules of the member register: who a member is, as their ID number tells it.
use chrono::NaiveDate;

use super::calendar::not_after_today;
use super::id_number::{self, IdNumberError};
use super::{Refusal, RuleViolation, refuse};

pub use entity::enums::{Gender, MemberStatus, Stage, TransferKind};

/// A member as the rules on roles and nominations see them (secretaries, group leaders,
/// contacts, introducers): where the relation is held, the stage and the status. The service
/// loads live members only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberStanding {
    pub id: uuid::Uuid,
    pub party_organization_id: uuid::Uuid,
    pub stage: Stage,
    pub status: MemberStatus,
}

impl MemberStanding {
    /// An active full member (正式党员): who may be a secretary, a contact or an introducer
    /// (《中国共产党支部工作条例（试行）》; 《中国共产党发展党员工作细则》).
    pub fn is_active_full_member(&self) -> bool {
        self.stage == Stage::Full && self.status == MemberStatus::Active
    }

    /// An active member whose relation `party_organization_id` holds.
    pub fn is_active_member_of(&self, party_organization_id: uuid::Uuid) -> bool {
        self.status == MemberStatus::Active && self.party_organization_id == party_organization_id
    }
}

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

/// Where a mobile member (流动党员; DESIGN §5, mobile members) takes part in organizational life:
/// a mobile member names a host other than the organization holding the relation, and only a
/// mobile member names one. `Ok(host)` is the host still to be checked for existence.
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

/// The ID number must be valid and agree with the birth date and gender given (GB 11643-1999;
/// DESIGN §5, members).
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

/// How a member enters the register (《中国共产党发展党员工作细则》: activists and candidates are
/// made by the pipeline's steps, not registered): an applicant, a probationary member with the
/// date of admission, or a full member; admission dates not in the future.
pub fn check_enrolment(
    stage: Stage,
    joined_on: Option<NaiveDate>,
    full_member_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), RuleViolation> {
    match stage {
        Stage::Applicant | Stage::Full => {}
        Stage::Probationary if joined_on.is_none() => {
            return Err(RuleViolation::new(
                "joined_on",
                "required",
                "a probationary member is registered with the date of admission",
            ));
        }
        Stage::Probationary => {}
        Stage::Activist | Stage::Candidate => {
            return Err(RuleViolation::new(
                "stage",
                "pipeline_only",
                "activists and candidates are reached through /members/{id}/development; register an applicant, a probationary or a full member",
            ));
        }
    }
    for (field, date) in [("joined_on", joined_on), ("full_member_on", full_member_on)] {
        if let Some(date) = date {
            not_after_today(field, date, today)?;
        }
    }
    Ok(())
}

/// Transfers of the organizational relation (DESIGN §5, "transfers move a member between party
/// organizations and keep the history"): an active member moves within the register or out of
/// it; a member transferred out comes back in. Gives the member's status after the transfer.
pub fn transfer_status(kind: TransferKind, status: MemberStatus) -> Result<MemberStatus, Refusal> {
    let (expected, after) = match kind {
        TransferKind::Internal => (MemberStatus::Active, MemberStatus::Active),
        TransferKind::In => (MemberStatus::TransferredOut, MemberStatus::Active),
        TransferKind::Out => (MemberStatus::Active, MemberStatus::TransferredOut),
    };
    if status == expected {
        return Ok(after);
    }
    let detail = match kind {
        TransferKind::Out => format!(
            "Only an active member is transferred out; the member's status is {}.",
            status
        ),
        _ => format!(
            "This transfer is for a member whose status is {}; the member's is {}.",
            expected, status
        ),
    };
    refuse("member_status", detail)
}

/// A transfer within the register goes to another party organization than the one that holds
/// the relation (DESIGN §5: transfers move a member between party organizations).
pub fn check_transfer_target(
    kind: TransferKind,
    holder: uuid::Uuid,
    target: uuid::Uuid,
) -> Result<(), RuleViolation> {
    if kind == TransferKind::Internal && holder == target {
        return Err(RuleViolation::new(
            "to_party_organization_id",
            "same_as_current",
            "the member's relation is already held there",
        ));
    }
    Ok(())
}

/// A live member who already holds an ID number being registered, as the caller may know them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holder {
    pub id: uuid::Uuid,
    /// Whether the registering caller's scope reaches the holder.
    pub in_scope: bool,
}

/// One live record per person (DESIGN §5; Issue 16 "membership oracle"): a number held within
/// the caller's scope is refused with `needs_transfer` naming the holder, whom the caller can see
/// anyway; a number held only outside it is registered like any other, marked as a duplicate of
/// the holder for the organization department, so that the answer tells the caller nothing
/// about members outside their scope. Gives the member the new record duplicates, if any.
pub fn place_id_number(holders: &[Holder]) -> Result<Option<uuid::Uuid>, Refusal> {
    if let Some(holder) = holders.iter().find(|h| h.in_scope) {
        return refuse(
            "needs_transfer",
            format!(
                "A member with this id_number is already registered in your scope ({}); \
                 correct that record or transfer it instead of registering the person again.",
                holder.id
            ),
        );
    }
    Ok(holders.first().map(|h| h.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_number_held_in_scope_needs_a_transfer_and_one_held_elsewhere_is_marked() {
        let (a, b) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
        assert_eq!(place_id_number(&[]), Ok(None));
        let elsewhere = Holder {
            id: a,
            in_scope: false,
        };
        assert_eq!(place_id_number(&[elsewhere]), Ok(Some(a)));
        let here = Holder {
            id: b,
            in_scope: true,
        };
        let refusal = place_id_number(&[elsewhere, here]).unwrap_err();
        assert_eq!(refusal.code, "needs_transfer");
        assert!(refusal.detail.contains(&b.to_string()));
        assert!(!refusal.detail.contains(&a.to_string()));
    }

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

    #[test]
    fn members_enter_as_applicants_probationary_or_full_members() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 6, d).unwrap();
        let code = |stage, joined, full| {
            check_enrolment(stage, joined, full, day(10)).map_or_else(|v| v.code, |_| "ok")
        };
        assert_eq!(code(Stage::Applicant, None, None), "ok");
        assert_eq!(code(Stage::Probationary, Some(day(1)), None), "ok");
        assert_eq!(code(Stage::Probationary, None, None), "required");
        assert_eq!(code(Stage::Activist, None, None), "pipeline_only");
        assert_eq!(code(Stage::Candidate, None, None), "pipeline_only");
        assert_eq!(
            code(Stage::Full, Some(day(1)), Some(day(11))),
            "future_date"
        );
    }

    #[test]
    fn transfers_follow_the_member_status() {
        use MemberStatus::*;
        use TransferKind::*;
        assert_eq!(transfer_status(Internal, Active), Ok(Active));
        assert_eq!(transfer_status(Out, Active), Ok(TransferredOut));
        assert_eq!(transfer_status(In, TransferredOut), Ok(Active));
        for (kind, status) in [(Internal, TransferredOut), (Out, Deceased), (In, Active)] {
            assert_eq!(
                transfer_status(kind, status).unwrap_err().code,
                "member_status"
            );
        }
        let (a, b) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
        assert!(check_transfer_target(Internal, a, b).is_ok());
        assert!(check_transfer_target(In, a, a).is_ok());
        assert_eq!(
            check_transfer_target(Internal, a, a).unwrap_err().code,
            "same_as_current"
        );
    }

    #[test]
    fn standings_tell_active_full_members_and_where_they_are_held() {
        let (here, there) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
        let full = MemberStanding {
            id: uuid::Uuid::from_u128(9),
            party_organization_id: here,
            stage: Stage::Full,
            status: MemberStatus::Active,
        };
        assert!(full.is_active_full_member() && full.is_active_member_of(here));
        assert!(!full.is_active_member_of(there));
        let probationary = MemberStanding {
            stage: Stage::Probationary,
            ..full
        };
        assert!(!probationary.is_active_full_member() && probationary.is_active_member_of(here));
        let gone = MemberStanding {
            status: MemberStatus::TransferredOut,
            ..full
        };
        assert!(!gone.is_active_full_member() && !gone.is_active_member_of(here));
    }
}
