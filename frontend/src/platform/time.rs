//! Dates without a date library: Unix milliseconds ⇄ local civil time, given the browser's
//! offset, for display ("dd/mm/yyyy HH:MM") and for `<input type="datetime-local">`.

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn parts(ms: i64, offset_min: i64) -> (i64, i64, i64, i64, i64) {
    let local = ms.div_euclid(60_000) + offset_min;
    let (y, mo, d) = civil_from_days(local.div_euclid(1440));
    let min = local.rem_euclid(1440);
    (y, mo, d, min / 60, min % 60)
}

/// "22/11/2026 09:30" in local time, `offset_min` minutes east of UTC.
pub fn display(ms: i64, offset_min: i64) -> String {
    let (y, mo, d, h, mi) = parts(ms, offset_min);
    format!("{d:02}/{mo:02}/{y} {h:02}:{mi:02}")
}

/// The value of a `datetime-local` input: "2026-11-22T09:30".
pub fn to_input(ms: i64, offset_min: i64) -> String {
    let (y, mo, d, h, mi) = parts(ms, offset_min);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}")
}

/// Parses a `datetime-local` value back to Unix ms ("…THH:MM", or with ":SS" seconds).
pub fn from_input(s: &str, offset_min: i64) -> Option<i64> {
    let (date, time) = s.trim().split_once('T')?;
    let mut ds = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, mo, d) = (ds.next()??, ds.next()??, ds.next()??);
    let mut ts = time.split(':');
    let (h, mi) = (
        ts.next()?.parse::<i64>().ok()?,
        ts.next()?.parse::<i64>().ok()?,
    );
    // Seconds may carry a fraction ("05.500"); whole seconds are kept.
    let sec = match ts.next() {
        Some(x) => x.split('.').next()?.parse::<i64>().ok()?,
        None => 0,
    };
    if !(1..=12).contains(&mo)
        || !(1..=31).contains(&d)
        || !(0..24).contains(&h)
        || !(0..60).contains(&mi)
        || !(0..60).contains(&sec)
        || ts.next().is_some()
    {
        return None;
    }
    let minutes = days_from_civil(y, mo, d) * 1440 + h * 60 + mi - offset_min;
    Some(minutes * 60_000 + sec * 1000)
}

/// The browser's offset east of UTC in minutes (0 on the server).
/// Today's date as a `date` input holds it ("2026-12-02"), `offset_min` east of UTC.
pub fn today(offset_min: i64) -> String {
    let (y, mo, d, _, _) = parts(now_ms(), offset_min);
    format!("{y:04}-{mo:02}-{d:02}")
}

fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0))
    }
}

pub fn local_offset() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        // JS gives minutes *behind* UTC.
        -(js_sys::Date::new_0().get_timezone_offset() as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        // 2026-11-22T02:30:00Z is 09:30 in Hà Nội (UTC+7).
        let ms = 1_795_314_600_000;
        assert_eq!(display(ms, 420), "22/11/2026 09:30");
        assert_eq!(display(0, 0), "01/01/1970 00:00");
        assert_eq!(to_input(ms, 420), "2026-11-22T09:30");
    }

    #[test]
    fn input_round_trips_and_rejects_nonsense() {
        for ms in [0, 951_782_400_000, 1_795_314_600_000, 4_102_444_800_000] {
            for off in [-300, 0, 420] {
                assert_eq!(from_input(&to_input(ms, off), off), Some(ms));
            }
        }
        assert_eq!(
            from_input("2024-02-29T23:59", 0).map(|v| display(v, 0)),
            Some("29/02/2024 23:59".into())
        );
        // Seconds, as a form that allows them sends.
        assert_eq!(from_input("1970-01-01T00:01:05", 0), Some(65_000));
        assert_eq!(from_input("1970-01-01T00:01:05.250", 0), Some(65_000));
        for bad in [
            "",
            "2026-11-22",
            "2026-13-01T00:00",
            "2026-11-22T24:00",
            "x-y-zTa:b",
            "2026-11-22T10:00:61",
            "2026-11-22T10:00:00:00",
        ] {
            assert_eq!(from_input(bad, 0), None, "{bad}");
        }
    }
}
