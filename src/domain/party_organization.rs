//! Formation rules of party organizations (《中国共产党支部工作条例（试行）》), reported as
//! warnings on the resource rather than refused: they say what the organization should do next.
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::calendar::add_months;
use super::member::MemberStanding;
use super::{Refusal, RuleViolation, refuse};

pub use entity::enums::PartyOrganizationType;

fn is_branch(org_type: PartyOrganizationType) -> bool {
    matches!(
        org_type,
        PartyOrganizationType::Branch | PartyOrganizationType::JointBranch
    )
}

/// Members whose relation is held by the organization, by stage (active members only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct MemberCounts {
    pub full: u64,
    pub probationary: u64,
    pub candidates: u64,
    pub activists: u64,
    pub applicants: u64,
}

impl MemberCounts {
    /// Party members: full and probationary.
    pub fn party_members(&self) -> u64 {
        self.full + self.probationary
    }
}

/// A formation rule the organization does not meet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({
    "code": "committee_advised",
    "message": "The branch has 8 full members: with 7 or more it should elect a branch committee of 3 to 5 members.",
    "source": "《中国共产党支部工作条例（试行）》"
}))]
pub struct FormationWarning {
    pub code: &'static str,
    pub message: String,
    /// The regulation the rule comes from.
    pub source: &'static str,
}

const BRANCH_REGULATION: &str = "《中国共产党支部工作条例（试行）》";
const ELECTION_REGULATION: &str = "《中国共产党基层组织选举工作条例》";

/// What the warnings are computed from.
pub struct FormationFacts<'a> {
    pub org_type: PartyOrganizationType,
    pub counts: MemberCounts,
    pub covered_units: usize,
    /// Covered units and how many full members of this organization work there.
    pub full_members_by_unit: &'a [(Uuid, u64)],
    pub term_starts_on: Option<NaiveDate>,
    pub term_ends_on: Option<NaiveDate>,
    /// Current committee seats (secretary, deputies, committee members among its party workers).
    pub committee_seats: usize,
    pub today: NaiveDate,
}

/// Every formation rule (《中国共产党支部工作条例（试行）》 arts. 5–9; DESIGN §5) the facts break.
pub fn warnings(facts: &FormationFacts) -> Vec<FormationWarning> {
    let mut warnings = Vec::new();
    let mut warn = |code, message: String, source| {
        warnings.push(FormationWarning {
            code,
            message,
            source,
        })
    };
    let full = facts.counts.full;
    let party_members = facts.counts.party_members();
    if facts.org_type == PartyOrganizationType::Branch && full < 3 {
        warn(
            "too_few_full_members",
            format!(
                "The branch has {full} full members: a unit forms its own branch with 3 or more; with fewer it joins a joint branch."
            ),
            BRANCH_REGULATION,
        );
    }
    if facts.org_type == PartyOrganizationType::JointBranch {
        if facts.covered_units > 5 {
            warn(
                "joint_branch_too_many_units",
                format!(
                    "The joint branch covers {} units: a joint branch covers at most 5.",
                    facts.covered_units
                ),
                BRANCH_REGULATION,
            );
        }
        for (unit, unit_full) in facts.full_members_by_unit {
            if *unit_full >= 3 {
                warn(
                    "own_branch_advised",
                    format!(
                        "Organization {unit} has {unit_full} full members here: with 3 or more it should form its own branch."
                    ),
                    BRANCH_REGULATION,
                );
            }
        }
    }
    if is_branch(facts.org_type) {
        if party_members > 50 {
            warn(
                "branch_too_large",
                format!("The branch has {party_members} members: a branch usually has at most 50."),
                BRANCH_REGULATION,
            );
        }
        if full >= 7 && !super::party_worker::has_committee(facts.committee_seats) {
            warn(
                "committee_advised",
                format!(
                    "The branch has {full} full members: with 7 or more it should elect a branch committee of 3 to 5 members."
                ),
                BRANCH_REGULATION,
            );
        }
        if (50..100).contains(&party_members) {
            warn(
                "general_branch_advised",
                format!(
                    "The organization has {party_members} members: with 50 or more it may form a general branch."
                ),
                BRANCH_REGULATION,
            );
        }
    }
    if facts.org_type != PartyOrganizationType::Committee && party_members >= 100 {
        warn(
            "primary_committee_advised",
            format!(
                "The organization has {party_members} members: with 100 or more it should form a primary-level committee."
            ),
            ELECTION_REGULATION,
        );
    }
    if let Some(ends) = facts.term_ends_on
        && ends < facts.today
    {
        warn(
            "term_expired",
            format!("The committee's term ended on {ends}: an election is due."),
            BRANCH_REGULATION,
        );
    }
    if let (Some(starts), Some(ends)) = (facts.term_starts_on, facts.term_ends_on)
        && ends != add_months(starts, 36)
        && ends != add_months(starts, 60)
    {
        warn(
            "term_length",
            format!(
                "The term from {starts} to {ends} is neither 3 years nor (for village and community branches) 5 years."
            ),
            BRANCH_REGULATION,
        );
    }
    warnings
}

/// A party organization is never placed under itself or its own subtree: the tree (DESIGN §1,
/// a materialized `path` of ancestor ids) stays a tree. Decided from the two paths.
pub fn check_parent(
    id: Uuid,
    path: &str,
    parent_id: Uuid,
    parent_path: &str,
) -> Result<(), Refusal> {
    if parent_path.starts_with(path) {
        return refuse(
            "cycle",
            format!(
                "{parent_id} is {id} itself or below it; a party organization cannot be placed under its own subtree."
            ),
        );
    }
    Ok(())
}

/// A party organization is archived only once nothing lives below it and no active member
/// belongs to or is hosted by it (DESIGN §5: members are moved by transfers, which keep the
/// history).
pub fn can_archive(live_children: u64, active_members: u64) -> Result<(), Refusal> {
    if live_children > 0 {
        return refuse(
            "has_children",
            format!(
                "{live_children} live party organizations are below this one; move or archive them first."
            ),
        );
    }
    if active_members > 0 {
        return refuse(
            "has_members",
            format!(
                "{active_members} active members belong to or are hosted by this party organization; transfer them first."
            ),
        );
    }
    Ok(())
}

/// A committee's term ends after it starts (《中国共产党支部工作条例（试行）》: the branch committee
/// serves a term).
pub fn check_term(
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
) -> Result<(), RuleViolation> {
    if let (Some(starts), Some(ends)) = (starts_on, ends_on)
        && ends <= starts
    {
        return Err(RuleViolation::new(
            "term_ends_on",
            "order",
            format!("must be after term_starts_on ({starts})"),
        ));
    }
    Ok(())
}

/// The organizations a party organization covers are listed once each (DESIGN §5: `covers`, the
/// organizations it serves).
pub fn check_covers_distinct(covers: &[Uuid]) -> Result<(), RuleViolation> {
    let mut seen = std::collections::HashSet::new();
    if covers.iter().any(|id| !seen.insert(*id)) {
        return Err(RuleViolation::new(
            "covers",
            "unique",
            "lists an organization twice",
        ));
    }
    Ok(())
}

/// A new party organization has no members yet, so no secretary (《中国共产党支部工作条例（试行）》:
/// the secretary is one of the organization's full members).
pub fn check_new_secretary(secretary: Option<Uuid>) -> Result<(), RuleViolation> {
    if secretary.is_some() {
        return Err(RuleViolation::new(
            "secretary_member_id",
            "not_full_member_here",
            "a new party organization has no members yet; set the secretary once their relation is held here",
        ));
    }
    Ok(())
}

/// The secretary is an active full member whose relation the organization holds
/// (《中国共产党支部工作条例（试行）》; DESIGN §5). `secretary` is the named member as loaded,
/// `None` if there is no such live member.
pub fn check_secretary(
    party_organization_id: Uuid,
    secretary: Option<&MemberStanding>,
) -> Result<(), RuleViolation> {
    match secretary {
        Some(s)
            if s.is_active_full_member() && s.party_organization_id == party_organization_id =>
        {
            Ok(())
        }
        _ => Err(RuleViolation::new(
            "secretary_member_id",
            "not_full_member_here",
            "the secretary must be an active full member of this party organization",
        )),
    }
}

/// A party group's leader is an active member whose relation the group's party organization
/// holds (《中国共产党支部工作条例（试行）》 art. 9: party groups of a branch). `leader` is the
/// named member as loaded, `None` if there is no such live member.
pub fn check_leader(
    party_organization_id: Uuid,
    leader: Option<&MemberStanding>,
) -> Result<(), RuleViolation> {
    match leader {
        Some(l) if l.is_active_member_of(party_organization_id) => Ok(()),
        _ => Err(RuleViolation::new(
            "leader_member_id",
            "not_member_here",
            "the leader must be an active member of this party organization",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn codes(facts: &FormationFacts) -> Vec<&'static str> {
        warnings(facts).into_iter().map(|w| w.code).collect()
    }

    fn branch(full: u64, probationary: u64) -> FormationFacts<'static> {
        FormationFacts {
            org_type: PartyOrganizationType::Branch,
            counts: MemberCounts {
                full,
                probationary,
                ..Default::default()
            },
            covered_units: 1,
            full_members_by_unit: &[],
            term_starts_on: None,
            term_ends_on: None,
            committee_seats: 0,
            today: d(2026, 11, 28),
        }
    }

    #[test]
    fn branch_sizes_bring_their_warnings() {
        assert_eq!(codes(&branch(2, 0)), ["too_few_full_members"]);
        assert!(codes(&branch(3, 3)).is_empty());
        assert_eq!(codes(&branch(7, 0)), ["committee_advised"]);
        let mut with_committee = branch(7, 0);
        with_committee.committee_seats = 3;
        assert!(codes(&with_committee).is_empty());
        assert_eq!(
            codes(&branch(45, 5)),
            ["committee_advised", "general_branch_advised"]
        );
        assert_eq!(
            codes(&branch(51, 0)),
            [
                "branch_too_large",
                "committee_advised",
                "general_branch_advised"
            ]
        );
        assert_eq!(
            codes(&branch(100, 0)),
            [
                "branch_too_large",
                "committee_advised",
                "primary_committee_advised"
            ]
        );
    }

    #[test]
    fn terms_must_be_current_and_three_or_five_years() {
        let mut facts = branch(3, 0);
        facts.term_starts_on = Some(d(2023, 11, 1));
        facts.term_ends_on = Some(d(2026, 11, 1));
        assert_eq!(codes(&facts), ["term_expired"]);
        facts.term_ends_on = Some(d(2027, 11, 1));
        assert_eq!(codes(&facts), ["term_length"]);
        facts.term_ends_on = Some(d(2028, 11, 1));
        assert_eq!(codes(&facts), Vec::<&str>::new());
    }

    #[test]
    fn joint_branches_cover_at_most_five_units_without_a_strong_one() {
        let strong = [(Uuid::nil(), 3)];
        let facts = FormationFacts {
            org_type: PartyOrganizationType::JointBranch,
            covered_units: 6,
            full_members_by_unit: &strong,
            ..branch(5, 0)
        };
        assert_eq!(
            codes(&facts),
            ["joint_branch_too_many_units", "own_branch_advised"]
        );
    }

    #[test]
    fn a_party_organization_is_not_placed_under_its_own_subtree() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let (pa, pb, pc) = (format!("/{a}/"), format!("/{a}/{b}/"), format!("/{c}/"));
        assert!(check_parent(b, &pb, c, &pc).is_ok());
        assert!(check_parent(b, &pb, a, &pa).is_ok());
        assert_eq!(check_parent(a, &pa, b, &pb).unwrap_err().code, "cycle");
        assert_eq!(check_parent(a, &pa, a, &pa).unwrap_err().code, "cycle");
    }

    #[test]
    fn archiving_waits_for_children_and_members_to_leave() {
        assert!(can_archive(0, 0).is_ok());
        assert_eq!(can_archive(1, 5).unwrap_err().code, "has_children");
        assert_eq!(can_archive(0, 1).unwrap_err().code, "has_members");
    }

    #[test]
    fn terms_end_after_they_start_and_covers_are_listed_once() {
        assert!(check_term(Some(d(2026, 1, 1)), Some(d(2029, 1, 1))).is_ok());
        assert!(check_term(None, Some(d(2026, 1, 1))).is_ok());
        assert_eq!(
            check_term(Some(d(2026, 1, 1)), Some(d(2026, 1, 1)))
                .unwrap_err()
                .code,
            "order"
        );
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert!(check_covers_distinct(&[a, b]).is_ok());
        assert_eq!(
            check_covers_distinct(&[a, b, a]).unwrap_err().code,
            "unique"
        );
    }

    #[test]
    fn secretaries_are_full_members_held_here_and_leaders_members_here() {
        use super::super::member::{MemberStatus, Stage};
        let (here, there) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let full = MemberStanding {
            id: Uuid::from_u128(9),
            party_organization_id: here,
            stage: Stage::Full,
            status: MemberStatus::Active,
        };
        let probationary = MemberStanding {
            stage: Stage::Probationary,
            ..full
        };
        let code = |r: Result<(), RuleViolation>| r.map_or_else(|v| v.code, |_| "ok");
        assert_eq!(code(check_new_secretary(None)), "ok");
        assert_eq!(
            code(check_new_secretary(Some(full.id))),
            "not_full_member_here"
        );
        assert_eq!(code(check_secretary(here, Some(&full))), "ok");
        assert_eq!(
            code(check_secretary(there, Some(&full))),
            "not_full_member_here"
        );
        assert_eq!(
            code(check_secretary(here, Some(&probationary))),
            "not_full_member_here"
        );
        assert_eq!(code(check_secretary(here, None)), "not_full_member_here");
        assert_eq!(code(check_leader(here, Some(&probationary))), "ok");
        assert_eq!(code(check_leader(there, Some(&full))), "not_member_here");
        assert_eq!(code(check_leader(here, None)), "not_member_here");
    }
}
