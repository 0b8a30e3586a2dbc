//! Formation rules of party organizations (《中国共产党支部工作条例（试行）》), reported as
//! warnings on the resource rather than refused: they say what the organization should do next.
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::calendar::add_months;

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
        if full >= 7 && facts.term_starts_on.is_none() {
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
            today: d(2026, 11, 28),
        }
    }

    #[test]
    fn branch_sizes_bring_their_warnings() {
        assert_eq!(codes(&branch(2, 0)), ["too_few_full_members"]);
        assert!(codes(&branch(3, 3)).is_empty());
        assert_eq!(codes(&branch(7, 0)), ["committee_advised"]);
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
}
