//! Rules of the domain, with no I/O. Each rule is unit-tested where it is written.
pub mod activity;
pub mod calendar;
pub mod compliance;
pub mod development;
pub mod divisions;
pub mod education;
pub mod fund;
pub mod id_number;
pub mod instructor;
pub mod login;
pub mod meeting;
pub mod member;
pub mod organization;
pub mod party_organization;
pub mod party_worker;
pub mod pii;
pub mod post;
#[cfg(test)]
mod properties;
pub mod recurrence;
pub mod region;
pub mod schedule;
pub mod text;
pub mod uscc;
pub mod webhook;
pub mod work_system;

/// The reference data rules are checked against.
#[derive(Clone, Copy)]
pub struct RuleContext<'a> {
    pub divisions: &'a divisions::Divisions,
}

/// A broken rule: which field, the rule's machine name, and what is wrong in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleViolation {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

/// A rule's refusal of a state change (a 409): the rule's machine name and what is wrong, with
/// the dates or counts involved. Each code is written where its rule is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub detail: String,
}

/// Refuses with `code`.
pub fn refuse<T>(code: &'static str, detail: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        code,
        detail: detail.into(),
    })
}

impl RuleViolation {
    /// A violation of the rule `code` by `field`.
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            code,
            message: message.into(),
        }
    }
}
