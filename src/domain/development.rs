//! The development pipeline (《中国共产党发展党员工作细则》, 2014): which step may follow which,
//! and how soon. Steps are dated facts appended to a member's history; a step out of order or
//! too early is refused with the rule's code and the dates involved.
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::calendar::{add_months, age_on, working_days, working_days_end};
use super::meeting::admission_majority;
use super::member::{MemberStanding, MemberStatus, Stage};
use super::{Refusal, RuleViolation, refuse};

/// 《中国共产党章程》 art. 1: an applicant is at least 18.
pub const MIN_AGE: i32 = 18;
/// 《发展党员工作细则》 art. 7: the branch talks with an applicant within one month.
pub const TALK_WITHIN_MONTHS: u32 = 1;
/// 《发展党员工作细则》 art. 11: activists are assessed every six months.
pub const ASSESSMENT_EVERY_MONTHS: u32 = 6;
/// 《发展党员工作细则》 art. 12: at least a year as activist before becoming a candidate.
pub const MIN_ACTIVIST_MONTHS: u32 = 12;
/// 《发展党员工作细则》 art. 16: candidates train at least three days, 24 class hours.
pub const MIN_TRAINING_HOURS: u32 = 24;
/// 《发展党员工作细则》 art. 18: the public notice (公示) lasts at least five working days.
pub const MIN_NOTICE_WORKING_DAYS: u32 = 5;
/// 《中国共产党章程》 art. 7: probation is one year from the admission vote.
pub const PROBATION_MONTHS: u32 = 12;

/// A step of the pipeline, with what it records. (The variants' structs do not refuse unknown
/// fields themselves, so that the contract can describe the union; the API refuses them by
/// comparing the body with what was read, see `extract::refuse_unknown_fields`.) `date` is the day it happened (for a public
/// notice, its first day); it cannot be in the future.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum DevelopmentStep {
    /// The written application to join (入党申请). The applicant must be 18 on its date.
    Application(Application),
    /// The branch's talk with the applicant, due within a month of the application.
    Talk(Talk),
    /// Designation as an activist (入党积极分子) by the branch committee, with 1 or 2 full members
    /// as contacts (培养联系人).
    ActivistDesignation(ActivistDesignation),
    /// The half-yearly assessment of an activist.
    ActivistAssessment(ActivistAssessment),
    /// Designation as a candidate for development (发展对象), after at least a year as activist,
    /// with 2 full members as introducers and at least 24 class hours (3 days) of training.
    CandidateDesignation(CandidateDesignation),
    /// The public notice (公示) of a candidate: at least 5 working days, Monday to Friday.
    PublicNotice(PublicNotice),
    /// The branch general meeting's vote to admit: yes votes must exceed half of the full
    /// members entitled to vote. Probation runs one year from this date.
    AdmissionVote(AdmissionVote),
    /// An extension of probation by 6 to 12 months, once.
    ProbationExtension(ProbationExtension),
    /// Conversion to full membership, when probation is over.
    FullMembership(FullMembership),
    /// The person leaves the pipeline (or a probationary member is disqualified).
    Withdrawal(Withdrawal),
}

/// What an `application` step records (《中国共产党发展党员工作细则》 art. 6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
pub struct Application {
    #[schema(example = "2026-03-02")]
    pub date: NaiveDate,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub note: Option<String>,
}

/// What a `talk` step records (《中国共产党发展党员工作细则》 art. 7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
pub struct Talk {
    pub date: NaiveDate,
    /// Who held the talk.
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    #[serde(default)]
    pub talked_by: Option<String>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub note: Option<String>,
}

/// What an `activist_designation` step records (《中国共产党发展党员工作细则》 arts. 8–10).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
pub struct ActivistDesignation {
    pub date: NaiveDate,
    /// Ids of 1 or 2 active full members who will guide the activist.
    #[validate(length(min = 1, max = 2))]
    #[schema(min_items = 1, max_items = 2)]
    pub contacts: Vec<Uuid>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub note: Option<String>,
}

/// What an `activist_assessment` step records (《中国共产党发展党员工作细则》 art. 11).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
pub struct ActivistAssessment {
    pub date: NaiveDate,
    /// The branch's findings.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub findings: Option<String>,
}

/// What a `candidate_designation` step records (《中国共产党发展党员工作细则》 arts. 12–16).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
pub struct CandidateDesignation {
    pub date: NaiveDate,
    /// Ids of the 2 active full members who introduce the candidate (入党介绍人).
    #[validate(length(min = 2, max = 2))]
    #[schema(min_items = 2, max_items = 2)]
    pub introducers: Vec<Uuid>,
    /// Class hours of concentrated training attended (at least 24).
    #[validate(range(max = 10000))]
    #[schema(maximum = 10000)]
    pub training_hours: u32,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub note: Option<String>,
}

/// What a `public_notice` step records (《中国共产党发展党员工作细则》 art. 18).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
pub struct PublicNotice {
    /// The first day of the notice.
    pub date: NaiveDate,
    /// The last day of the notice (may be ahead).
    pub ends_on: NaiveDate,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub note: Option<String>,
}

/// What an `admission_vote` step records (《中国共产党发展党员工作细则》 arts. 24–25).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
pub struct AdmissionVote {
    /// The date of the general meeting that voted.
    pub date: NaiveDate,
    /// The held general meeting (`/meetings/{id}`) whose admission vote this is; its date and
    /// counts must be the ones given here.
    #[serde(default)]
    pub meeting_id: Option<Uuid>,
    /// Yes votes cast.
    #[validate(range(max = 100000))]
    #[schema(maximum = 100000)]
    pub yes_votes: u32,
    /// Full members of the branch entitled to vote.
    #[validate(range(min = 1, max = 100000))]
    #[schema(minimum = 1, maximum = 100000)]
    pub entitled_voters: u32,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub note: Option<String>,
}

/// What a `probation_extension` step records (《中国共产党发展党员工作细则》 art. 32).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
pub struct ProbationExtension {
    pub date: NaiveDate,
    /// 6 to 12 months.
    #[validate(range(min = 6, max = 12))]
    #[schema(minimum = 6, maximum = 12)]
    pub months: u32,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub reason: Option<String>,
}

/// What a `full_membership` step records (《中国共产党发展党员工作细则》 arts. 31–32).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
pub struct FullMembership {
    pub date: NaiveDate,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub note: Option<String>,
}

/// What a `withdrawal` step records (DESIGN §5: someone leaves the pipeline).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
pub struct Withdrawal {
    pub date: NaiveDate,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub reason: Option<String>,
}

impl DevelopmentStep {
    /// The day the step was taken (steps are dated events).
    pub fn date(&self) -> NaiveDate {
        match self {
            Self::Application(s) => s.date,
            Self::Talk(s) => s.date,
            Self::ActivistDesignation(s) => s.date,
            Self::ActivistAssessment(s) => s.date,
            Self::CandidateDesignation(s) => s.date,
            Self::PublicNotice(s) => s.date,
            Self::AdmissionVote(s) => s.date,
            Self::ProbationExtension(s) => s.date,
            Self::FullMembership(s) => s.date,
            Self::Withdrawal(s) => s.date,
        }
    }

    /// The step's name, as stored and as the API tags it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Application(_) => "application",
            Self::Talk(_) => "talk",
            Self::ActivistDesignation(_) => "activist_designation",
            Self::ActivistAssessment(_) => "activist_assessment",
            Self::CandidateDesignation(_) => "candidate_designation",
            Self::PublicNotice(_) => "public_notice",
            Self::AdmissionVote(_) => "admission_vote",
            Self::ProbationExtension(_) => "probation_extension",
            Self::FullMembership(_) => "full_membership",
            Self::Withdrawal(_) => "withdrawal",
        }
    }

    /// The shape rules of the step's fields (lengths, ranges, counts of people).
    pub fn validate_fields(&self) -> Result<(), validator::ValidationErrors> {
        match self {
            Self::Application(s) => s.validate(),
            Self::Talk(s) => s.validate(),
            Self::ActivistDesignation(s) => s.validate(),
            Self::ActivistAssessment(s) => s.validate(),
            Self::CandidateDesignation(s) => s.validate(),
            Self::PublicNotice(s) => s.validate(),
            Self::AdmissionVote(s) => s.validate(),
            Self::ProbationExtension(s) => s.validate(),
            Self::FullMembership(s) => s.validate(),
            Self::Withdrawal(s) => s.validate(),
        }
    }

    /// The members the step names as contacts or introducers; they must be active full members.
    pub fn named_members(&self) -> &[Uuid] {
        match self {
            Self::ActivistDesignation(s) => &s.contacts,
            Self::CandidateDesignation(s) => &s.introducers,
            _ => &[],
        }
    }
}

/// The member as the pipeline sees them.
#[derive(Clone, Copy, Debug)]
pub struct Candidate {
    pub birth_date: NaiveDate,
    pub stage: Stage,
    pub status: MemberStatus,
    pub probation_ends_on: Option<NaiveDate>,
}

/// What an accepted step changes on the member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effect {
    pub stage: Stage,
    pub status: MemberStatus,
    pub joined_on: Option<NaiveDate>,
    pub probation_ends_on: Option<NaiveDate>,
    pub full_member_on: Option<NaiveDate>,
    /// Accepted, but late or irregular.
    pub warnings: Vec<StepWarning>,
}

/// A step accepted with a note (a late talk: 《中国共产党发展党员工作细则》 art. 7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct StepWarning {
    pub code: &'static str,
    pub message: String,
}

/// The steps already taken, oldest first.
pub struct History<'a>(pub &'a [DevelopmentStep]);

impl History<'_> {
    fn last_date(&self) -> Option<NaiveDate> {
        self.0.iter().map(DevelopmentStep::date).max()
    }

    fn application(&self) -> Option<&Application> {
        self.0.iter().rev().find_map(|s| match s {
            DevelopmentStep::Application(a) => Some(a),
            _ => None,
        })
    }

    fn talk(&self) -> Option<&Talk> {
        self.0.iter().rev().find_map(|s| match s {
            DevelopmentStep::Talk(t) => Some(t),
            _ => None,
        })
    }

    fn activist_since(&self) -> Option<NaiveDate> {
        self.0.iter().rev().find_map(|s| match s {
            DevelopmentStep::ActivistDesignation(a) => Some(a.date),
            _ => None,
        })
    }

    fn last_assessment(&self) -> Option<NaiveDate> {
        self.0.iter().rev().find_map(|s| match s {
            DevelopmentStep::ActivistAssessment(a) => Some(a.date),
            _ => None,
        })
    }

    fn notice(&self) -> Option<&PublicNotice> {
        self.0.iter().rev().find_map(|s| match s {
            DevelopmentStep::PublicNotice(n) => Some(n),
            _ => None,
        })
    }

    fn extended(&self) -> Option<NaiveDate> {
        self.0.iter().find_map(|s| match s {
            DevelopmentStep::ProbationExtension(e) => Some(e.date),
            _ => None,
        })
    }
}

fn require_stage(member: &Candidate, stage: Stage, step: &str) -> Result<(), Refusal> {
    if member.stage == stage {
        return Ok(());
    }
    let (code, name) = match stage {
        Stage::Applicant => ("applicant_required", "an applicant"),
        Stage::Activist => ("activist_required", "an activist"),
        Stage::Candidate => ("candidate_required", "a candidate for development"),
        Stage::Probationary => ("probationary_required", "a probationary member"),
        Stage::Full => ("full_required", "a full member"),
    };
    refuse(
        code,
        format!(
            "A {step} is for {name}; the member's stage is {}.",
            member.stage
        ),
    )
}

/// A step is recorded once it has happened: its date is not after today (DESIGN §5: steps are
/// appended as dated events).
pub fn check_step_date(step: &DevelopmentStep, today: NaiveDate) -> Result<(), RuleViolation> {
    if step.date() > today {
        return Err(RuleViolation::new(
            "date",
            "future_date",
            format!(
                "{} is after today ({today}); record steps once they happened",
                step.date()
            ),
        ));
    }
    Ok(())
}

/// Contacts (培养联系人) and introducers (入党介绍人) are other active full members, each named
/// once (《中国共产党发展党员工作细则》: full members are contacts of an activist and introducers
/// of a candidate). `named` are the standings the service found of the members the step names;
/// a named member missing from it is not on the register.
pub fn check_named_members(
    member_id: Uuid,
    step: &DevelopmentStep,
    named: &[MemberStanding],
) -> Result<(), RuleViolation> {
    let field = match step {
        DevelopmentStep::ActivistDesignation(_) => "contacts",
        _ => "introducers",
    };
    let mut seen = std::collections::HashSet::new();
    for id in step.named_members() {
        if *id == member_id || !seen.insert(*id) {
            return Err(RuleViolation::new(
                field,
                "distinct",
                "must name other members, each once",
            ));
        }
        if !named
            .iter()
            .any(|m| m.id == *id && m.is_active_full_member())
        {
            return Err(RuleViolation::new(
                field,
                "not_full_member",
                format!("{id} is not an active full member"),
            ));
        }
    }
    Ok(())
}

/// An admission vote as its meeting recorded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordedVote {
    /// The meeting's day, in the configured timezone.
    pub held_on: NaiveDate,
    pub yes_votes: u32,
    pub entitled_voters: u32,
}

/// An admission vote that names its meeting is that meeting's (DESIGN §5: "the vote references a
/// held `general_meeting`"; 《中国共产党发展党员工作细则》: the branch general meeting votes): a
/// held general meeting of the member's party organization with an admission vote for the
/// member, on the step's date, with the counts given. `recorded` is that vote, `None` if the
/// service found no such meeting or vote.
pub fn check_vote_meeting(
    meeting_id: Uuid,
    vote: &AdmissionVote,
    recorded: Option<&RecordedVote>,
) -> Result<(), Refusal> {
    let Some(recorded) = recorded else {
        return refuse(
            "meeting_mismatch",
            format!(
                "Meeting {meeting_id} is not a held general meeting of the member's party organization with an admission vote for this member."
            ),
        );
    };
    if recorded.held_on != vote.date {
        return refuse(
            "meeting_mismatch",
            format!(
                "Meeting {meeting_id} was held on {}, not {}.",
                recorded.held_on, vote.date
            ),
        );
    }
    if recorded.yes_votes != vote.yes_votes || recorded.entitled_voters != vote.entitled_voters {
        return refuse(
            "meeting_mismatch",
            format!(
                "The meeting recorded {} yes votes of {} entitled voters, not {} of {}.",
                recorded.yes_votes, recorded.entitled_voters, vote.yes_votes, vote.entitled_voters
            ),
        );
    }
    Ok(())
}

/// Checks `step` against the member and their history; what it changes when accepted.
pub fn check(
    member: &Candidate,
    history: &History,
    step: &DevelopmentStep,
) -> Result<Effect, Refusal> {
    let date = step.date();
    if member.status != MemberStatus::Active {
        return refuse(
            "member_not_active",
            format!(
                "The member's status is {}; only active members take pipeline steps.",
                member.status
            ),
        );
    }
    if let Some(last) = history.last_date()
        && date < last
    {
        return refuse(
            "out_of_order",
            format!("The step is dated {date}, before the last recorded step on {last}."),
        );
    }
    let mut effect = Effect {
        stage: member.stage,
        status: member.status,
        joined_on: None,
        probation_ends_on: member.probation_ends_on,
        full_member_on: None,
        warnings: Vec::new(),
    };
    match step {
        DevelopmentStep::Application(_) => {
            require_stage(member, Stage::Applicant, "application")?;
            if let Some(previous) = history.application() {
                return refuse(
                    "already_applied",
                    format!("An application was recorded on {}.", previous.date),
                );
            }
            if age_on(member.birth_date, date) < MIN_AGE {
                let of_age = add_months(member.birth_date, 12 * MIN_AGE as u32);
                return refuse(
                    "under_18",
                    format!(
                        "Born on {}, the applicant is under 18 on {date}; an application is possible from {of_age}.",
                        member.birth_date
                    ),
                );
            }
        }
        DevelopmentStep::Talk(_) => {
            require_stage(member, Stage::Applicant, "talk")?;
            let application = history.application().ok_or_else(|| Refusal {
                code: "application_required",
                detail: "A talk follows an application; none is recorded.".into(),
            })?;
            if let Some(talk) = history.talk() {
                return refuse(
                    "already_recorded",
                    format!("A talk was recorded on {}.", talk.date),
                );
            }
            let due = add_months(application.date, TALK_WITHIN_MONTHS);
            if date > due {
                effect.warnings.push(StepWarning {
                    code: "late_talk",
                    message: format!(
                        "The application was made on {}; the talk was due by {due}.",
                        application.date
                    ),
                });
            }
        }
        DevelopmentStep::ActivistDesignation(_) => {
            require_stage(member, Stage::Applicant, "activist designation")?;
            if history.application().is_none() {
                return refuse(
                    "application_required",
                    "An activist is designated from applicants; no application is recorded.",
                );
            }
            if history.talk().is_none() {
                return refuse(
                    "talk_required",
                    "An applicant is designated an activist after the branch has talked with them; no talk is recorded.",
                );
            }
            effect.stage = Stage::Activist;
        }
        DevelopmentStep::ActivistAssessment(_) => {
            if !matches!(member.stage, Stage::Activist | Stage::Candidate) {
                require_stage(member, Stage::Activist, "activist assessment")?;
            }
        }
        DevelopmentStep::CandidateDesignation(c) => {
            require_stage(member, Stage::Activist, "candidate designation")?;
            let since = history.activist_since().ok_or_else(|| Refusal {
                code: "activist_required",
                detail: "No activist designation is recorded.".into(),
            })?;
            let earliest = add_months(since, MIN_ACTIVIST_MONTHS);
            if date < earliest {
                return refuse(
                    "min_activist_period",
                    format!(
                        "Activist since {since}: a candidate is designated after at least one year, from {earliest}; the step is dated {date}."
                    ),
                );
            }
            if history.last_assessment().is_none_or(|a| a < since) {
                return refuse(
                    "assessment_required",
                    format!(
                        "No assessment of the activist is recorded since the designation on {since}."
                    ),
                );
            }
            if c.training_hours < MIN_TRAINING_HOURS {
                return refuse(
                    "min_training",
                    format!(
                        "{} class hours of training recorded; at least {MIN_TRAINING_HOURS} (3 days) are required.",
                        c.training_hours
                    ),
                );
            }
            effect.stage = Stage::Candidate;
        }
        DevelopmentStep::PublicNotice(n) => {
            require_stage(member, Stage::Candidate, "public notice")?;
            let days = working_days(n.date, n.ends_on);
            if days < MIN_NOTICE_WORKING_DAYS {
                let earliest_end = working_days_end(n.date, MIN_NOTICE_WORKING_DAYS);
                return refuse(
                    "public_notice_period",
                    format!(
                        "A notice from {} to {} lasts {days} working days; it must last at least {MIN_NOTICE_WORKING_DAYS}, to {earliest_end} or later.",
                        n.date, n.ends_on
                    ),
                );
            }
        }
        DevelopmentStep::AdmissionVote(v) => {
            require_stage(member, Stage::Candidate, "admission vote")?;
            let notice = history.notice().ok_or_else(|| Refusal {
                code: "public_notice_required",
                detail: "A candidate is voted on after a public notice; none is recorded.".into(),
            })?;
            if date <= notice.ends_on {
                return refuse(
                    "public_notice_not_over",
                    format!(
                        "The public notice runs from {} to {}; the vote can be held from {}.",
                        notice.date,
                        notice.ends_on,
                        notice.ends_on + Duration::days(1)
                    ),
                );
            }
            admission_majority(v.yes_votes, v.entitled_voters)?;
            effect.stage = Stage::Probationary;
            effect.joined_on = Some(date);
            effect.probation_ends_on = Some(add_months(date, PROBATION_MONTHS));
        }
        DevelopmentStep::ProbationExtension(e) => {
            require_stage(member, Stage::Probationary, "probation extension")?;
            if let Some(previous) = history.extended() {
                return refuse(
                    "extension_already_used",
                    format!(
                        "Probation was already extended on {previous}; it can be extended once."
                    ),
                );
            }
            let ends = member.probation_ends_on.ok_or_else(|| Refusal {
                code: "probation_unknown",
                detail: "The member's probation has no recorded end.".into(),
            })?;
            effect.probation_ends_on = Some(add_months(ends, e.months));
        }
        DevelopmentStep::FullMembership(_) => {
            require_stage(member, Stage::Probationary, "conversion to full membership")?;
            let ends = member.probation_ends_on.ok_or_else(|| Refusal {
                code: "probation_unknown",
                detail: "The member's probation has no recorded end.".into(),
            })?;
            if date < ends {
                return refuse(
                    "probation_not_over",
                    format!(
                        "Probation runs until {ends}; conversion is possible from that day, not on {date}."
                    ),
                );
            }
            effect.stage = Stage::Full;
            effect.full_member_on = Some(date);
        }
        DevelopmentStep::Withdrawal(_) => {
            if member.stage == Stage::Full {
                return refuse(
                    "already_full",
                    "A full member does not leave the pipeline; record a transfer or a status change instead.",
                );
            }
            effect.status = MemberStatus::Removed;
        }
    }
    Ok(effect)
}

/// A step that may be taken next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct NextStep {
    #[schema(example = "candidate_designation")]
    pub step: &'static str,
    /// The first day it may be dated.
    pub earliest_on: NaiveDate,
    /// When it is due (a talk within a month, an assessment every six months).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_by: Option<NaiveDate>,
    /// What it still needs, in words.
    pub needs: Vec<String>,
}

/// The steps allowed next, each with its earliest date and what it needs.
pub fn next_steps(member: &Candidate, history: &History) -> Vec<NextStep> {
    if member.status != MemberStatus::Active || member.stage == Stage::Full {
        return Vec::new();
    }
    let after = history.last_date().unwrap_or(NaiveDate::MIN);
    let step = |step, earliest: NaiveDate, due_by, needs: Vec<String>| NextStep {
        step,
        earliest_on: earliest.max(after),
        due_by,
        needs,
    };
    let mut next = Vec::new();
    match member.stage {
        Stage::Applicant => match (history.application(), history.talk()) {
            (None, _) => next.push(step(
                "application",
                add_months(member.birth_date, 12 * MIN_AGE as u32),
                None,
                vec!["the applicant's written application, at 18 or older".into()],
            )),
            (Some(a), None) => next.push(step(
                "talk",
                a.date,
                Some(add_months(a.date, TALK_WITHIN_MONTHS)),
                vec!["a talk with the applicant within one month of the application".into()],
            )),
            (Some(_), Some(t)) => next.push(step(
                "activist_designation",
                t.date,
                None,
                vec!["1 or 2 active full members as contacts".into()],
            )),
        },
        Stage::Activist => {
            let since = history.activist_since().unwrap_or(after);
            let last = history.last_assessment().filter(|a| *a >= since).unwrap_or(since);
            next.push(step(
                "activist_assessment",
                after,
                Some(add_months(last, ASSESSMENT_EVERY_MONTHS)),
                vec!["an assessment every six months".into()],
            ));
            let mut needs = vec![
                "2 active full members as introducers".to_owned(),
                format!("at least {MIN_TRAINING_HOURS} class hours (3 days) of training"),
            ];
            if history.last_assessment().is_none_or(|a| a < since) {
                needs.push("an assessment of the activist".into());
            }
            next.push(step("candidate_designation", add_months(since, MIN_ACTIVIST_MONTHS), None, needs));
        }
        Stage::Candidate => match history.notice() {
            None => next.push(step(
                "public_notice",
                after,
                None,
                vec![format!("a public notice of at least {MIN_NOTICE_WORKING_DAYS} working days")],
            )),
            Some(n) => next.push(step(
                "admission_vote",
                n.ends_on + Duration::days(1),
                None,
                vec!["a general meeting where yes votes exceed half of the full members entitled to vote".into()],
            )),
        },
        Stage::Probationary => {
            let ends = member.probation_ends_on.unwrap_or(after);
            next.push(step("full_membership", ends, None, vec!["the end of probation and the branch's vote".into()]));
            if history.extended().is_none() {
                next.push(step("probation_extension", after, Some(ends), vec!["a decision to extend by 6 to 12 months, once".into()]));
            }
        }
        Stage::Full => {}
    }
    next.push(step("withdrawal", after, None, Vec::new()));
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn applicant(birth: NaiveDate) -> Candidate {
        Candidate {
            birth_date: birth,
            stage: Stage::Applicant,
            status: MemberStatus::Active,
            probation_ends_on: None,
        }
    }

    fn application(date: NaiveDate) -> DevelopmentStep {
        DevelopmentStep::Application(Application { date, note: None })
    }

    fn talk(date: NaiveDate) -> DevelopmentStep {
        DevelopmentStep::Talk(Talk {
            date,
            talked_by: None,
            note: None,
        })
    }

    fn code(result: Result<Effect, Refusal>) -> &'static str {
        result.unwrap_err().code
    }

    #[test]
    fn an_applicant_must_be_eighteen() {
        let member = applicant(d(2008, 12, 1));
        assert_eq!(
            code(check(&member, &History(&[]), &application(d(2026, 11, 28)))),
            "under_18"
        );
        assert!(check(&member, &History(&[]), &application(d(2026, 12, 1))).is_ok());
    }

    #[test]
    fn a_late_talk_is_accepted_with_a_warning_and_steps_keep_their_order() {
        let member = applicant(d(1990, 1, 1));
        let history = [application(d(2026, 1, 10))];
        let on_time = check(&member, &History(&history), &talk(d(2026, 2, 10))).unwrap();
        assert!(on_time.warnings.is_empty());
        let late = check(&member, &History(&history), &talk(d(2026, 2, 11))).unwrap();
        assert_eq!(late.warnings[0].code, "late_talk");
        assert_eq!(
            code(check(&member, &History(&history), &talk(d(2026, 1, 9)))),
            "out_of_order"
        );
    }

    #[test]
    fn a_candidate_needs_a_year_as_activist_an_assessment_and_training() {
        let member = Candidate {
            stage: Stage::Activist,
            ..applicant(d(1990, 1, 1))
        };
        let designated = DevelopmentStep::ActivistDesignation(ActivistDesignation {
            date: d(2025, 3, 1),
            contacts: vec![Uuid::nil()],
            note: None,
        });
        let candidate = |date, training_hours| {
            DevelopmentStep::CandidateDesignation(CandidateDesignation {
                date,
                introducers: vec![Uuid::nil(), Uuid::max()],
                training_hours,
                note: None,
            })
        };
        let history = vec![
            application(d(2025, 1, 1)),
            talk(d(2025, 1, 15)),
            designated.clone(),
        ];
        assert_eq!(
            code(check(
                &member,
                &History(&history),
                &candidate(d(2026, 2, 28), 24)
            )),
            "min_activist_period"
        );
        assert_eq!(
            code(check(
                &member,
                &History(&history),
                &candidate(d(2026, 3, 1), 24)
            )),
            "assessment_required"
        );
        let mut history = history;
        history.push(DevelopmentStep::ActivistAssessment(ActivistAssessment {
            date: d(2025, 9, 1),
            findings: None,
        }));
        assert_eq!(
            code(check(
                &member,
                &History(&history),
                &candidate(d(2026, 3, 1), 23)
            )),
            "min_training"
        );
        let effect = check(&member, &History(&history), &candidate(d(2026, 3, 1), 24)).unwrap();
        assert_eq!(effect.stage, Stage::Candidate);
    }

    #[test]
    fn notice_lasts_five_working_days_and_the_vote_follows_it_with_a_majority() {
        let member = Candidate {
            stage: Stage::Candidate,
            ..applicant(d(1990, 1, 1))
        };
        // 2026-11-02 is a Monday.
        let notice = |ends_on| {
            DevelopmentStep::PublicNotice(PublicNotice {
                date: d(2026, 11, 2),
                ends_on,
                note: None,
            })
        };
        assert_eq!(
            code(check(&member, &History(&[]), &notice(d(2026, 11, 5)))),
            "public_notice_period"
        );
        let history = [notice(d(2026, 11, 6))];
        assert!(check(&member, &History(&[]), &history[0]).is_ok());
        let vote = |date, yes_votes| {
            DevelopmentStep::AdmissionVote(AdmissionVote {
                date,
                meeting_id: None,
                yes_votes,
                entitled_voters: 10,
                note: None,
            })
        };
        assert_eq!(
            code(check(&member, &History(&history), &vote(d(2026, 11, 6), 9))),
            "public_notice_not_over"
        );
        assert_eq!(
            code(check(&member, &History(&history), &vote(d(2026, 11, 9), 5))),
            "vote_majority"
        );
        let effect = check(&member, &History(&history), &vote(d(2026, 11, 9), 6)).unwrap();
        assert_eq!(effect.stage, Stage::Probationary);
        assert_eq!(effect.probation_ends_on, Some(d(2027, 11, 9)));
    }

    #[test]
    fn probation_ends_after_a_year_and_extends_once() {
        let member = Candidate {
            stage: Stage::Probationary,
            probation_ends_on: Some(d(2026, 11, 9)),
            ..applicant(d(1990, 1, 1))
        };
        let full = |date| DevelopmentStep::FullMembership(FullMembership { date, note: None });
        assert_eq!(
            code(check(&member, &History(&[]), &full(d(2026, 11, 8)))),
            "probation_not_over"
        );
        assert_eq!(
            check(&member, &History(&[]), &full(d(2026, 11, 9)))
                .unwrap()
                .stage,
            Stage::Full
        );
        let extend = DevelopmentStep::ProbationExtension(ProbationExtension {
            date: d(2026, 11, 9),
            months: 6,
            reason: None,
        });
        assert_eq!(
            check(&member, &History(&[]), &extend)
                .unwrap()
                .probation_ends_on,
            Some(d(2027, 5, 9))
        );
        assert_eq!(
            code(check(
                &member,
                &History(std::slice::from_ref(&extend)),
                &extend
            )),
            "extension_already_used"
        );
    }

    #[test]
    fn next_tells_the_earliest_date() {
        let member = Candidate {
            stage: Stage::Activist,
            ..applicant(d(1990, 1, 1))
        };
        let history = [
            application(d(2025, 1, 1)),
            talk(d(2025, 1, 15)),
            DevelopmentStep::ActivistDesignation(ActivistDesignation {
                date: d(2025, 3, 1),
                contacts: vec![Uuid::nil()],
                note: None,
            }),
        ];
        let next = next_steps(&member, &History(&history));
        let candidate = next
            .iter()
            .find(|n| n.step == "candidate_designation")
            .unwrap();
        assert_eq!(candidate.earliest_on, d(2026, 3, 1));
        let assessment = next
            .iter()
            .find(|n| n.step == "activist_assessment")
            .unwrap();
        assert_eq!(assessment.due_by, Some(d(2025, 9, 1)));
    }

    #[test]
    fn steps_are_recorded_once_they_happened() {
        assert!(check_step_date(&application(d(2026, 6, 10)), d(2026, 6, 10)).is_ok());
        let v = check_step_date(&application(d(2026, 6, 11)), d(2026, 6, 10)).unwrap_err();
        assert_eq!((v.field, v.code), ("date", "future_date"));
    }

    #[test]
    fn contacts_and_introducers_are_other_active_full_members_named_once() {
        let id = Uuid::from_u128;
        let standing = |n, stage| MemberStanding {
            id: id(n),
            party_organization_id: id(100),
            stage,
            status: MemberStatus::Active,
        };
        let found = [
            standing(1, Stage::Full),
            standing(2, Stage::Full),
            standing(3, Stage::Probationary),
        ];
        let designation = |contacts: Vec<Uuid>| {
            DevelopmentStep::ActivistDesignation(ActivistDesignation {
                date: d(2026, 6, 1),
                contacts,
                note: None,
            })
        };
        let code = |step: DevelopmentStep| {
            check_named_members(id(9), &step, &found).map_or_else(|v| v.code, |_| "ok")
        };
        assert_eq!(code(designation(vec![id(1), id(2)])), "ok");
        assert_eq!(code(designation(vec![id(1), id(1)])), "distinct");
        assert_eq!(code(designation(vec![id(9)])), "distinct");
        assert_eq!(code(designation(vec![id(3)])), "not_full_member");
        assert_eq!(code(designation(vec![id(4)])), "not_full_member");
        let introducers = DevelopmentStep::CandidateDesignation(CandidateDesignation {
            date: d(2026, 6, 1),
            introducers: vec![id(1), id(3)],
            training_hours: 24,
            note: None,
        });
        assert_eq!(
            check_named_members(id(9), &introducers, &found)
                .unwrap_err()
                .field,
            "introducers"
        );
    }

    #[test]
    fn an_admission_vote_agrees_with_the_meeting_it_names() {
        let meeting = Uuid::from_u128(5);
        let vote = AdmissionVote {
            date: d(2026, 11, 9),
            meeting_id: Some(meeting),
            yes_votes: 6,
            entitled_voters: 10,
            note: None,
        };
        let recorded = RecordedVote {
            held_on: d(2026, 11, 9),
            yes_votes: 6,
            entitled_voters: 10,
        };
        assert!(check_vote_meeting(meeting, &vote, Some(&recorded)).is_ok());
        for wrong in [
            None,
            Some(RecordedVote {
                held_on: d(2026, 11, 10),
                ..recorded
            }),
            Some(RecordedVote {
                yes_votes: 7,
                ..recorded
            }),
            Some(RecordedVote {
                entitled_voters: 11,
                ..recorded
            }),
        ] {
            assert_eq!(
                check_vote_meeting(meeting, &vote, wrong.as_ref())
                    .unwrap_err()
                    .code,
                "meeting_mismatch"
            );
        }
    }
}
