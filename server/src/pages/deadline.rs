//! A docket's dates, said the way people read them.

use crate::domain::docket::Docket;
use chrono::{DateTime, Utc};

pub struct DeadlineView {
    pub extended: bool,
    pub is_past: bool,
    pub opens_local: String,
    pub closes_local: String,
    pub original_local: String,
    pub closes_utc: String,
    pub closes_utc_text: String,
    /// "in 1 day, 3 hours" or "2 days ago"; empty when very far off.
    pub relative: String,
    /// Each change of the closing time, oldest first: when it was
    /// announced, the new closing time, the notice.
    pub changes: Vec<(String, String, String)>,
}

pub fn local_text(docket: &Docket, at: DateTime<Utc>) -> String {
    docket
        .local(at)
        .format("%A, %B %-d, %Y, at %-I:%M %p %Z")
        .to_string()
}

impl DeadlineView {
    pub fn new(docket: &Docket, now: DateTime<Utc>) -> Self {
        let closes = docket.closes_at();
        DeadlineView {
            extended: docket.is_extended(),
            is_past: now > closes,
            opens_local: local_text(docket, docket.opens_at),
            closes_local: local_text(docket, closes),
            original_local: local_text(docket, docket.original_closes_at),
            closes_utc: closes.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            closes_utc_text: closes.format("%Y-%m-%d %H:%M UTC").to_string(),
            relative: relative(closes - now),
            changes: docket
                .deadline_changes
                .iter()
                .map(|c| {
                    (
                        docket.local(c.at).format("%B %-d, %Y").to_string(),
                        local_text(docket, c.closes_at),
                        c.notice.clone(),
                    )
                })
                .collect(),
        }
    }
}

fn relative(delta: chrono::TimeDelta) -> String {
    let past = delta < chrono::TimeDelta::zero();
    let secs = delta.num_seconds().unsigned_abs();
    let (days, hours, minutes) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    let span = if days > 60 {
        return String::new();
    } else if days > 0 {
        format!("{}, {}", plural(days, "day"), plural(hours, "hour"))
    } else if hours > 0 {
        format!("{}, {}", plural(hours, "hour"), plural(minutes, "minute"))
    } else {
        plural(minutes.max(1), "minute")
    };
    if past {
        format!("{span} ago")
    } else {
        format!("in {span}")
    }
}

#[cfg(test)]
mod tests {
    use super::relative;
    use chrono::TimeDelta;

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(relative(TimeDelta::hours(27)), "in 1 day, 3 hours");
        assert_eq!(relative(TimeDelta::minutes(-90)), "1 hour, 30 minutes ago");
        assert_eq!(relative(TimeDelta::seconds(20)), "in 1 minute");
        assert_eq!(relative(TimeDelta::days(400)), "");
    }
}
