//! Calendar arithmetic of the rules: "today" in the configured timezone, months added the way
//! people count them, ages, and working days (Monday to Friday).
use chrono::{Datelike, Duration, FixedOffset, Months, NaiveDate, Utc, Weekday};

use super::RuleViolation;

/// Today's date at `offset` (Asia/Shanghai is +08:00 all year).
pub fn today(offset: FixedOffset) -> NaiveDate {
    Utc::now().with_timezone(&offset).date_naive()
}

/// `date` plus `months`, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb).
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Whole years from `birth` to `on`; a person born on 29 February comes of age on 1 March.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// Monday to Friday between `from` and `to`, both included.
pub fn working_days(from: NaiveDate, to: NaiveDate) -> u32 {
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .count() as u32
}

/// The first day on which `count` working days starting at `from` are complete.
pub fn working_days_end(from: NaiveDate, count: u32) -> NaiveDate {
    let mut day = from;
    let mut counted = 0;
    loop {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            counted += 1;
            if counted == count {
                return day;
            }
        }
        day += Duration::days(1);
    }
}

/// A date of record (an admission, a transfer, a visit, a training) is not after today: the
/// register records what happened (DESIGN §5, steps and logs are dated facts).
pub fn not_after_today(
    field: &'static str,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<(), RuleViolation> {
    if date > today {
        return Err(RuleViolation::new(
            field,
            "future_date",
            format!("{date} is after today ({today})"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_clamp_to_the_month_end() {
        assert_eq!(add_months(d(2026, 1, 31), 1), d(2026, 2, 28));
        assert_eq!(add_months(d(2028, 1, 31), 1), d(2028, 2, 29));
        assert_eq!(add_months(d(2026, 3, 15), 12), d(2027, 3, 15));
    }

    #[test]
    fn ages_turn_on_the_birthday() {
        assert_eq!(age_on(d(2008, 11, 28), d(2026, 11, 27)), 17);
        assert_eq!(age_on(d(2008, 11, 28), d(2026, 11, 28)), 18);
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 2, 28)), 17);
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 3, 1)), 18);
    }

    #[test]
    fn working_days_skip_weekends() {
        // 2026-11-27 is a Friday.
        assert_eq!(working_days(d(2026, 11, 27), d(2026, 12, 3)), 5);
        assert_eq!(working_days(d(2026, 11, 28), d(2026, 11, 29)), 0);
        assert_eq!(working_days_end(d(2026, 11, 27), 5), d(2026, 12, 3));
        assert_eq!(working_days_end(d(2026, 11, 28), 1), d(2026, 11, 30));
    }

    #[test]
    fn dates_of_record_are_not_after_today() {
        assert!(not_after_today("date", d(2026, 6, 10), d(2026, 6, 10)).is_ok());
        let v = not_after_today("date", d(2026, 6, 11), d(2026, 6, 10)).unwrap_err();
        assert_eq!((v.field, v.code), ("date", "future_date"));
        assert_eq!(v.message, "2026-06-11 is after today (2026-06-10)");
    }
}
