//! Quorum (số thành viên dự họp tối thiểu): a fraction of *all* members must be present.
//! The Government's rule (Luật Tổ chức Chính phủ 2015, art. 46) is at least two thirds.

use crate::DomainError;
use serde::{Deserialize, Serialize};

/// A fraction `num/den` with `0 < num <= den`; exact, never a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fraction {
    /// Numerator.
    pub num: u32,
    /// Denominator.
    pub den: u32,
}

impl Fraction {
    /// Two thirds: the Government's quorum.
    pub const TWO_THIRDS: Fraction = Fraction { num: 2, den: 3 };

    /// Checks `0 < num <= den`.
    pub fn new(num: u32, den: u32) -> Result<Fraction, DomainError> {
        if den == 0 || num == 0 || num > den {
            return Err(DomainError::Invalid {
                field: "quorum",
                reason: "must be a fraction between 0 (excluded) and 1".into(),
            });
        }
        Ok(Fraction { num, den })
    }

    /// The smallest whole count `k` with `k/total >= num/den`.
    pub fn at_least_of(self, total: u32) -> u32 {
        let need = u64::from(total) * u64::from(self.num);
        let den = u64::from(self.den);
        // Ceiling division; fits in u32 because num <= den.
        u32::try_from(need.div_ceil(den)).unwrap_or(u32::MAX)
    }
}

impl Default for Fraction {
    fn default() -> Self {
        Fraction::TWO_THIRDS
    }
}

/// The quorum line shown to everyone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumStatus {
    /// Members (chair included, invitees excluded) checked in.
    pub present: u32,
    /// All members of the meeting.
    pub total: u32,
    /// How many must be present.
    pub required: u32,
    /// Whether `present >= required` (and there is at least one member).
    pub met: bool,
}

/// Evaluates the quorum for `present` of `total` members under `rule`.
pub fn evaluate(rule: Fraction, present: u32, total: u32) -> QuorumStatus {
    let required = rule.at_least_of(total);
    QuorumStatus {
        present,
        total,
        required,
        met: total > 0 && present >= required,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn government_quorum_for_27_members_is_18() {
        let q = evaluate(Fraction::TWO_THIRDS, 17, 27);
        assert_eq!(q.required, 18);
        assert!(!q.met);
        assert!(evaluate(Fraction::TWO_THIRDS, 18, 27).met);
    }

    #[test]
    fn exact_two_thirds_is_enough_and_rounding_goes_up() {
        assert!(evaluate(Fraction::TWO_THIRDS, 2, 3).met);
        assert_eq!(evaluate(Fraction::TWO_THIRDS, 0, 28).required, 19); // 18.67 → 19
        assert!(!evaluate(Fraction::TWO_THIRDS, 18, 28).met);
    }

    #[test]
    fn no_members_means_no_quorum() {
        assert!(!evaluate(Fraction::TWO_THIRDS, 0, 0).met);
    }

    #[test]
    fn fractions_are_checked() {
        assert!(Fraction::new(0, 3).is_err());
        assert!(Fraction::new(4, 3).is_err());
        assert!(Fraction::new(1, 0).is_err());
        assert_eq!(Fraction::new(3, 4).unwrap(), Fraction { num: 3, den: 4 });
    }

    proptest! {
        // The rule, stated without division: met ⇔ present·den ≥ total·num.
        #[test]
        fn met_iff_cross_multiplied_inequality(num in 1u32..=12, extra in 0u32..=12, total in 1u32..=500, present_frac in 0u32..=1000) {
            let den = num + extra;
            let present = present_frac * total / 1000;
            let q = evaluate(Fraction::new(num, den).unwrap(), present, total);
            let expected = u64::from(present) * u64::from(den) >= u64::from(total) * u64::from(num);
            prop_assert_eq!(q.met, expected);
            // required is the minimum: one fewer is not enough.
            prop_assert!(u64::from(q.required) * u64::from(den) >= u64::from(total) * u64::from(num));
            if q.required > 0 {
                prop_assert!(u64::from(q.required - 1) * u64::from(den) < u64::from(total) * u64::from(num));
            }
        }
    }
}
