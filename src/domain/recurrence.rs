//! Recurrence of scheduled meetings: the RFC 5545 RRULE subset schedules accept (FREQ MONTHLY or
//! YEARLY; INTERVAL, BYMONTHDAY, BYDAY with an ordinal such as `1MO` or `-1FR`, BYMONTH, COUNT,
//! UNTIL), expanded by the `rrule` crate in the schedule's timezone.
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};

const ALLOWED: [&str; 7] = [
    "FREQ",
    "INTERVAL",
    "BYMONTHDAY",
    "BYDAY",
    "BYMONTH",
    "COUNT",
    "UNTIL",
];
/// The most occurrences one expansion yields (a monthly rule over a year has 12).
const MAX_OCCURRENCES: u16 = 400;

/// Why a rule (or timezone) is refused, in words: the RFC 5545 RRULE subset of DESIGN §5
/// (schedules) and an IANA timezone.
pub fn check(rule: &str, timezone: &str) -> Result<(), String> {
    let mut frequency = None;
    for part in rule.split(';') {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| format!("{part:?} is not KEY=VALUE"))?;
        if !ALLOWED.contains(&key) {
            return Err(format!(
                "{key} is not supported; use {}",
                ALLOWED.join(", ")
            ));
        }
        if key == "FREQ" {
            frequency = Some(value);
        }
    }
    match frequency {
        Some("MONTHLY" | "YEARLY") => {}
        Some(other) => {
            return Err(format!(
                "FREQ={other} is not supported; use MONTHLY or YEARLY"
            ));
        }
        None => return Err("FREQ is required".into()),
    }
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    expand(rule, day, NaiveTime::MIN, timezone, day).map(|_| ())
}

/// The occurrences of the rule, starting on `first` at `time` in `timezone`, before `until`: each
/// its day there and its instant.
pub fn expand(
    rule: &str,
    first: NaiveDate,
    time: NaiveTime,
    timezone: &str,
    until: NaiveDate,
) -> Result<Vec<(NaiveDate, DateTime<Utc>)>, String> {
    let text = format!(
        "DTSTART;TZID={timezone}:{}T{}\nRRULE:{rule}",
        first.format("%Y%m%d"),
        time.format("%H%M%S")
    );
    let set: rrule::RRuleSet = text.parse().map_err(|e: rrule::RRuleError| e.to_string())?;
    let end = rrule::Tz::UTC
        .from_utc_datetime(&until.and_time(NaiveTime::MIN))
        .with_timezone(&set.get_dt_start().timezone());
    let dates = set.before(end).all(MAX_OCCURRENCES).dates;
    Ok(dates
        .into_iter()
        .map(|d| (d.date_naive(), d.with_timezone(&Utc)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn days(rule: &str, first: NaiveDate, until: NaiveDate) -> Vec<NaiveDate> {
        expand(
            rule,
            first,
            NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
            "Asia/Shanghai",
            until,
        )
        .unwrap()
        .into_iter()
        .map(|(day, _)| day)
        .collect()
    }

    #[test]
    fn instants_are_in_the_schedule_timezone() {
        let at = expand(
            "FREQ=MONTHLY;COUNT=1",
            d(2026, 7, 1),
            NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
            "Asia/Shanghai",
            d(2027, 1, 1),
        )
        .unwrap();
        assert_eq!(at[0].1.to_rfc3339(), "2026-07-01T11:00:00+00:00");
    }

    #[test]
    fn month_ends_and_leap_years() {
        let last = days("FREQ=MONTHLY;BYMONTHDAY=-1", d(2028, 1, 1), d(2028, 4, 1));
        assert_eq!(last, [d(2028, 1, 31), d(2028, 2, 29), d(2028, 3, 31)]);
        // The 31st only in months that have one.
        let thirty_first = days("FREQ=MONTHLY;BYMONTHDAY=31", d(2026, 1, 1), d(2026, 6, 1));
        assert_eq!(
            thirty_first,
            [d(2026, 1, 31), d(2026, 3, 31), d(2026, 5, 31)]
        );
    }

    #[test]
    fn ordinal_weekdays_intervals_and_limits() {
        let first_monday = days("FREQ=MONTHLY;BYDAY=1MO", d(2026, 11, 1), d(2027, 1, 1));
        assert_eq!(first_monday, [d(2026, 11, 2), d(2026, 12, 7)]);
        let last_friday = days(
            "FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=3",
            d(2026, 1, 1),
            d(2027, 1, 1),
        );
        assert_eq!(
            last_friday,
            [
                d(2026, 1, 30),
                d(2026, 4, 24),
                d(2026, 7, 31),
                d(2026, 10, 30)
            ]
        );
        let yearly = days(
            "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15;COUNT=2",
            d(2026, 1, 1),
            d(2030, 1, 1),
        );
        assert_eq!(yearly, [d(2026, 12, 15), d(2027, 12, 15)]);
        let until = days(
            "FREQ=MONTHLY;BYMONTHDAY=1;UNTIL=20260301T000000Z",
            d(2026, 1, 1),
            d(2027, 1, 1),
        );
        assert_eq!(until, [d(2026, 1, 1), d(2026, 2, 1)]);
    }

    #[test]
    fn only_the_subset_is_accepted() {
        let check = |rule| check(rule, "Asia/Shanghai");
        assert!(check("FREQ=MONTHLY;BYDAY=1MO").is_ok());
        assert!(check("FREQ=WEEKLY").unwrap_err().contains("MONTHLY"));
        assert!(
            check("FREQ=MONTHLY;BYHOUR=9")
                .unwrap_err()
                .contains("BYHOUR")
        );
        assert!(check("BYDAY=1MO").unwrap_err().contains("FREQ"));
        assert!(check("FREQ=MONTHLY;BYDAY=XX").is_err());
        assert!(super::check("FREQ=MONTHLY", "Mars/Olympus").is_err());
    }
}
