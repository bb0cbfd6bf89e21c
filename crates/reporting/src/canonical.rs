//! The bytes a reporting officer's device signs to submit a report: the regime, the unit,
//! the period and every value, in code order, so that the server cannot change a number
//! after the officer signed it, and anyone can check the signature later.
//!
//! ```text
//! report bytes  = "ecabinet/report/v1" 0x00  str regime  str unit  str period
//!                 u32 n, n × (str code, f64 value as IEEE 754 bits, big-endian)
//! digest        = SHA-256(report bytes)
//! record        = "ecabinet/report-seal/v1" 0x00  digest(32)  signer (i64 BE)
//!                 key id = SHA-256(public key) (32)  signed at, Unix ms (i64 BE)
//! ```
//! The record is `ecabinet_crypto::signed::SignedRecord`, the layout seals and minutes share.
//! `str` is a u32 big-endian byte length and UTF-8.

use crate::period::Period;
use ecabinet_crypto::signed::{RecordTag, SignedRecord};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The tag of the report bytes.
pub const REPORT_TAG_V1: &[u8] = b"ecabinet/report/v1";
/// The tag of the record the device signs.
pub const SEAL_TAG_V1: &[u8] = b"ecabinet/report-seal/v1";

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&u32::try_from(s.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// The canonical bytes of a report's content.
pub fn report_bytes(
    regime: &str,
    unit: &str,
    period: Period,
    values: &BTreeMap<String, f64>,
) -> Vec<u8> {
    let mut out = REPORT_TAG_V1.to_vec();
    out.push(0);
    put_str(&mut out, regime);
    put_str(&mut out, unit);
    put_str(&mut out, &period.to_string());
    out.extend_from_slice(
        &u32::try_from(values.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    for (code, v) in values {
        put_str(&mut out, code);
        out.extend_from_slice(&v.to_bits().to_be_bytes());
    }
    out
}

/// SHA-256 of [`report_bytes`].
pub fn report_digest(
    regime: &str,
    unit: &str,
    period: Period,
    values: &BTreeMap<String, f64>,
) -> [u8; 32] {
    ecabinet_crypto::sha256(&report_bytes(regime, unit, period, values))
}

/// Marks the submission record: [`SEAL_TAG_V1`].
pub enum SubmissionTag {}

impl RecordTag for SubmissionTag {
    const TAG: &'static [u8] = SEAL_TAG_V1;
}

/// What the officer's device signs: the digest, who, with which key, when; the layout
/// every signed record shares ([`SignedRecord`]).
pub type SubmissionRecord = SignedRecord<SubmissionTag>;

/// A submission as kept with the report: the record, the public key and the signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// What was signed.
    pub record: SubmissionRecord,
    /// The officer's public key.
    #[serde(with = "hex::serde")]
    pub public_key: [u8; 32],
    /// The signature over `record.to_bytes()`.
    #[serde(with = "hex::serde")]
    pub signature: [u8; 64],
}

impl Submission {
    /// Whether it is a good signature over exactly this report.
    pub fn verify(
        &self,
        regime: &str,
        unit: &str,
        period: Period,
        values: &BTreeMap<String, f64>,
    ) -> bool {
        self.record.digest == report_digest(regime, unit, period, values)
            && self.record.key_id == ecabinet_crypto::sha256(&self.public_key)
            && ecabinet_crypto::check_public_key(&self.public_key)
                .is_ok_and(|k| self.record.verify(&k, &self.signature))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(c, v)| ((*c).to_owned(), *v)).collect()
    }

    #[test]
    fn every_part_of_the_report_changes_the_digest() {
        let p = Period::parse("2026-11").unwrap();
        let v = values(&[("A", 1.0), ("B", 2.5)]);
        let d = report_digest("KTXH", "HN", p, &v);
        assert_ne!(d, report_digest("KTXH2", "HN", p, &v));
        assert_ne!(d, report_digest("KTXH", "HP", p, &v));
        assert_ne!(d, report_digest("KTXH", "HN", p.next().unwrap(), &v));
        assert_ne!(
            d,
            report_digest("KTXH", "HN", p, &values(&[("A", 1.0), ("B", 2.6)]))
        );
        assert_ne!(d, report_digest("KTXH", "HN", p, &values(&[("A", 1.0)])));
        // Length prefixes keep "AB"+"" apart from "A"+"B".
        assert_ne!(
            report_digest("AB", "", p, &v),
            report_digest("A", "B", p, &v)
        );
    }

    #[test]
    fn a_submission_verifies_only_over_the_values_signed() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
        let public_key = key.verifying_key().to_bytes();
        let p = Period::parse("2026-Q4").unwrap();
        let v = values(&[("A", 10.0)]);
        let record = SubmissionRecord::new(
            report_digest("R", "HN", p, &v),
            5,
            ecabinet_crypto::sha256(&public_key),
            1,
        );
        let signature = ecabinet_crypto::sign(&key, &record.to_bytes());
        let s = Submission {
            record,
            public_key,
            signature,
        };
        assert!(s.verify("R", "HN", p, &v));
        assert!(
            !s.verify("R", "HN", p, &values(&[("A", 10.5)])),
            "a changed number"
        );
        let mut forged = s.clone();
        forged.signature[0] ^= 1;
        assert!(!forged.verify("R", "HN", p, &v));
    }

    #[test]
    fn a_record_reads_back_and_nothing_else_does() {
        let r = SubmissionRecord::new([7; 32], 42, [9; 32], 1_796_000_000_000);
        assert_eq!(SubmissionRecord::from_bytes(&r.to_bytes()), Some(r.clone()));
        let mut b = r.to_bytes();
        b.push(0);
        assert_eq!(SubmissionRecord::from_bytes(&b), None);
        assert_eq!(
            SubmissionRecord::from_bytes(b"ecabinet/envelope-seal/v1\0"),
            None
        );
    }

    #[test]
    fn a_submission_record_is_the_bytes_reports_were_always_signed_over() {
        let r = SubmissionRecord::new([7; 32], 42, [9; 32], 1_796_000_000_000);
        assert_eq!(
            hex::encode(r.to_bytes()),
            concat!(
                "65636162696e65742f7265706f72742d7365616c2f7631",
                "00",
                "0707070707070707070707070707070707070707070707070707070707070707",
                "000000000000002a",
                "0909090909090909090909090909090909090909090909090909090909090909",
                "000001a229f12800",
            )
        );
    }
}
