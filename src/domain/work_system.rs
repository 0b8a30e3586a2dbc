//! The register of written work systems: which standard systems a party organization lacks, and
//! which are past their review date.
use chrono::NaiveDate;
pub use entity::enums::WorkSystemKind;

/// The systems every party organization of a two-new organization is expected to have written
/// down (the work systems of the 两新 party-building guidance: three meetings and one lesson, fund
/// management, member development and education, party workers' duties, ideological work and its
/// three practices with employees).
pub const STANDARD: [WorkSystemKind; 9] = [
    WorkSystemKind::ThreeMeetingsOneLesson,
    WorkSystemKind::FundManagement,
    WorkSystemKind::MemberDevelopment,
    WorkSystemKind::MemberEducation,
    WorkSystemKind::PartyWorkerDuties,
    WorkSystemKind::IdeologicalWork,
    WorkSystemKind::DiscussionAndCommunication,
    WorkSystemKind::EmployeeInvitesMember,
    WorkSystemKind::FaceToFace,
];

/// What a party organization's register lacks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Gaps {
    /// Standard kinds with no system in force.
    pub missing: Vec<WorkSystemKind>,
    /// Standard kinds whose every system in force is past its review date.
    pub review_overdue: Vec<WorkSystemKind>,
}

/// The gaps of a register (`adopted`: kind and review date of each system in force) on `today`:
/// a kind is covered by any system of it; it is overdue only if none of its systems is current.
pub fn gaps(adopted: &[(WorkSystemKind, Option<NaiveDate>)], today: NaiveDate) -> Gaps {
    let mut gaps = Gaps::default();
    for kind in STANDARD {
        let of_kind: Vec<_> = adopted.iter().filter(|(k, _)| *k == kind).collect();
        if of_kind.is_empty() {
            gaps.missing.push(kind);
        } else if of_kind
            .iter()
            .all(|(_, due)| due.is_some_and(|due| due < today))
        {
            gaps.review_overdue.push(kind);
        }
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;
    use WorkSystemKind::*;

    #[test]
    fn missing_and_overdue_kinds_are_found() {
        let today: NaiveDate = "2026-12-02".parse().unwrap();
        let past = Some("2026-01-01".parse().unwrap());
        let future = Some("2027-01-01".parse().unwrap());
        let adopted = [
            (ThreeMeetingsOneLesson, None),
            (FundManagement, past),
            (MemberDevelopment, past),
            (MemberDevelopment, future),
            (Other, past),
        ];
        let found = gaps(&adopted, today);
        assert_eq!(found.review_overdue, [FundManagement]);
        assert_eq!(found.missing.len(), 6);
        assert!(!found.missing.contains(&MemberDevelopment));
        assert!(!found.missing.contains(&Other));
    }
}
