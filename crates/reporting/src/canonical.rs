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
//! `str` is a u32 big-endian byte length and UTF-8.

use crate::period::Period;
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

/// What the officer's device signs: the digest, who, with which key, when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionRecord {
    /// The report's digest.
    #[serde(with = "hex::serde")]
    pub digest: [u8; 32],
    /// The officer's account.
    pub signer: i64,
    /// The key's id (SHA-256 of its public key).
    #[serde(with = "hex::serde")]
    pub key_id: [u8; 32],
    /// When the device signed, Unix ms.
    pub signed_at: i64,
}

impl SubmissionRecord {
    /// The bytes signed.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = SEAL_TAG_V1.to_vec();
        out.push(0);
        out.extend_from_slice(&self.digest);
        out.extend_from_slice(&self.signer.to_be_bytes());
        out.extend_from_slice(&self.key_id);
        out.extend_from_slice(&self.signed_at.to_be_bytes());
        out
    }

    /// Reads them back; `None` unless exactly a v1 record.
    pub fn from_bytes(b: &[u8]) -> Option<SubmissionRecord> {
        let rest = b.strip_prefix(SEAL_TAG_V1)?.strip_prefix(&[0])?;
        if rest.len() != 32 + 8 + 32 + 8 {
            return None;
        }
        Some(SubmissionRecord {
            digest: rest[..32].try_into().ok()?,
            signer: i64::from_be_bytes(rest[32..40].try_into().ok()?),
            key_id: rest[40..72].try_into().ok()?,
            signed_at: i64::from_be_bytes(rest[72..80].try_into().ok()?),
        })
    }
}

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
            && ecabinet_crypto::check_public_key(&self.public_key).is_ok_and(|k| {
                ecabinet_crypto::verify_one(&k, &self.record.to_bytes(), &self.signature)
            })
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
        let record = SubmissionRecord {
            digest: report_digest("R", "HN", p, &v),
            signer: 5,
            key_id: ecabinet_crypto::sha256(&public_key),
            signed_at: 1,
        };
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
        let r = SubmissionRecord {
            digest: [7; 32],
            signer: 42,
            key_id: [9; 32],
            signed_at: 1_796_000_000_000,
        };
        assert_eq!(SubmissionRecord::from_bytes(&r.to_bytes()), Some(r.clone()));
        let mut b = r.to_bytes();
        b.push(0);
        assert_eq!(SubmissionRecord::from_bytes(&b), None);
        assert_eq!(
            SubmissionRecord::from_bytes(b"ecabinet/envelope-seal/v1\0"),
            None
        );
    }
}
