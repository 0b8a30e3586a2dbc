//! Rules of the domain, with no I/O. Each rule is unit-tested where it is written.
pub mod calendar;
pub mod compliance;
pub mod development;
pub mod divisions;
pub mod id_number;
pub mod instructor;
pub mod meeting;
pub mod member;
pub mod organization;
pub mod party_organization;
pub mod pii;
pub mod recurrence;
pub mod region;
pub mod uscc;

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

impl RuleViolation {
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            code,
            message: message.into(),
        }
    }
}
