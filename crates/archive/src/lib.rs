//! The archive bundle (docs/archive-format.md §5) and its offline recount: everything an
//! outside reviewer needs to check a meeting's votes without trusting the server. The
//! server writes bundles with these types; `ecabinet verify` reads them with [`verify`].

pub mod minutes;
pub mod opinion;
#[cfg(any(test, feature = "sample"))]
pub mod sample;

use ecabinet_crypto::log::{PollLog, TreeHead, ballot_leaf, leaf_hash, receipt_bytes};
use ecabinet_crypto::{Ballot, SignedBallot, check_public_key, sha256};
use ecabinet_domain::poll::{self, KeyId, PollDefinition, ResultRecord};
use ecabinet_domain::{MeetingId, UserId};
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The `format` of a v1 bundle.
pub const FORMAT_V1: &str = "ecabinet-archive/v1";

/// A meeting's (or one poll's) archive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Always [`FORMAT_V1`].
    pub format: String,
    /// When it was exported, Unix ms.
    pub exported_at: i64,
    /// The server's ed25519 public key, hex: it signs receipts and results.
    #[serde(with = "hex::serde")]
    pub server_key: [u8; 32],
    /// The meeting.
    pub meeting: MeetingRecord,
    /// Members who appear in the polls.
    pub members: Vec<MemberRecord>,
    /// Device keys that signed, or could have signed, a ballot, with their approvals.
    pub devices: Vec<DeviceRecord>,
    /// The polls, closed ones only.
    pub polls: Vec<PollRecord>,
}

/// The meeting a bundle belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingRecord {
    /// Meeting id.
    pub id: MeetingId,
    /// Its title.
    pub title: String,
}

/// A member, for people reading the bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberRecord {
    /// Account id.
    pub id: UserId,
    /// Name.
    pub name: String,
    /// Office held.
    pub title: String,
}

/// A device key and its approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceRecord {
    /// Device id.
    pub device_id: i64,
    /// Its owner.
    pub member_id: UserId,
    /// What the owner called it.
    pub label: String,
    /// ed25519 public key, hex.
    #[serde(with = "hex::serde")]
    pub public_key: [u8; 32],
    /// SHA-256 of the public key, hex.
    pub key_id: KeyId,
    /// pending, approved or revoked (at export).
    pub status: String,
    /// When it was registered, Unix ms.
    pub registered_at: i64,
    /// Who approved or revoked it last.
    pub decided_by: Option<UserId>,
    /// When.
    pub decided_at: Option<i64>,
}

/// One closed poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollRecord {
    /// The definition fixed at opening.
    pub definition: PollDefinition,
    /// SHA-256 of its canonical bytes, hex.
    #[serde(with = "hex::serde")]
    pub definition_hash: [u8; 32],
    /// Accepted ballots in log order.
    pub ballots: Vec<BallotRecord>,
    /// The result the server signed.
    pub result: ResultRecord,
    /// Server signature over the result's canonical bytes, hex.
    #[serde(with = "hex::serde")]
    pub result_signature: [u8; 64],
}

/// One accepted ballot and the receipt the tablet got for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotRecord {
    /// Position in the log, from 0.
    pub index: u64,
    /// Canonical ballot bytes, hex.
    #[serde(with = "hex::serde")]
    pub ballot: Vec<u8>,
    /// Device signature, hex.
    #[serde(with = "hex::serde")]
    pub signature: [u8; 64],
    /// Root of the log right after this ballot (size `index + 1`), hex.
    #[serde(with = "hex::serde")]
    pub tree_root: [u8; 32],
    /// Server signature over the receipt bytes, hex.
    #[serde(with = "hex::serde")]
    pub receipt_signature: [u8; 64],
}

/// The verdict on one poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollVerdict {
    /// Poll id.
    pub poll_id: i64,
    /// Its question.
    pub question: String,
    /// Ballots in the log.
    pub ballots: usize,
    /// The recount, when the ballots could be counted.
    pub recount: Option<poll::PollResult>,
    /// Everything that did not check out; empty when the poll verifies.
    pub problems: Vec<String>,
}

/// The verdict on a bundle.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Verdict {
    /// Problems with the bundle as a whole.
    pub problems: Vec<String>,
    /// One per poll.
    pub polls: Vec<PollVerdict>,
}

impl Verdict {
    /// Whether everything checked out.
    pub fn ok(&self) -> bool {
        self.problems.is_empty() && self.polls.iter().all(|p| p.problems.is_empty())
    }
}

/// Reads a bundle from JSON.
pub fn parse(json: &[u8]) -> Result<Bundle, String> {
    serde_json::from_slice(json).map_err(|e| format!("not a readable bundle: {e}"))
}

/// Recounts every poll of a bundle and checks every signature, inclusion and tree head.
pub fn verify(bundle: &Bundle) -> Verdict {
    let mut verdict = Verdict::default();
    if bundle.format != FORMAT_V1 {
        verdict
            .problems
            .push(format!("unknown format {:?}", bundle.format));
        return verdict;
    }
    let server_key = match check_public_key(&bundle.server_key) {
        Ok(k) => Some(k),
        Err(_) => {
            verdict
                .problems
                .push("the server key is not a usable ed25519 key".into());
            None
        }
    };
    // Decompressing thousands of keys is a tenth of the work: spread it over the cores.
    let mut keys: HashMap<KeyId, (UserId, VerifyingKey)> = HashMap::new();
    for (d, key) in bundle.devices.iter().zip(in_parallel(&bundle.devices, |d| {
        check_public_key(&d.public_key)
            .ok()
            .filter(|k| KeyId(ecabinet_crypto::key_id(k)) == d.key_id)
    })) {
        match key {
            Some(k) => {
                keys.insert(d.key_id, (d.member_id, k));
            }
            None => verdict.problems.push(format!(
                "device {}: the public key is unusable or does not match its key id",
                d.device_id
            )),
        }
    }
    let mut seen = std::collections::HashSet::new();
    for p in &bundle.polls {
        if !seen.insert(p.definition.poll_id) {
            verdict
                .problems
                .push(format!("poll {} appears twice", p.definition.poll_id));
        }
        if p.definition.meeting_id != bundle.meeting.id {
            verdict.problems.push(format!(
                "poll {} belongs to another meeting",
                p.definition.poll_id
            ));
        }
        verdict
            .polls
            .push(verify_poll(p, &keys, server_key.as_ref()));
    }
    verdict
}

/// `f` of each item, in order, computed in one chunk per core.
fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = items.len().div_ceil(threads).max(256);
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// A signature to check, with what it is about (for naming the culprit).
struct Check {
    message: Vec<u8>,
    signature: [u8; 64],
    key: VerifyingKey,
    what: Signed,
}

/// What a signature is on; named only when it fails.
#[derive(Clone, Copy)]
enum Signed {
    Receipt(usize),
    Ballot(usize),
    Result,
}

impl std::fmt::Display for Signed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Signed::Receipt(i) => write!(f, "ballot {i}: the receipt signature"),
            Signed::Ballot(i) => write!(f, "ballot {i}: the member's signature"),
            Signed::Result => f.write_str("the result signature"),
        }
    }
}

/// Rebuilds the log from its leaves; checks each receipt's root (the root after its own
/// ballot) and returns the problems and the final head.
pub(crate) fn check_log(leaves: Vec<Vec<u8>>, roots: &[[u8; 32]]) -> (Vec<String>, TreeHead) {
    let mut problems = Vec::new();
    let mut log = PollLog::new();
    for (i, (leaf, root)) in leaves.into_iter().zip(roots).enumerate() {
        log.append(leaf);
        if log.head().root != *root {
            problems.push(format!(
                "ballot {i}: the receipt's tree root is not the root of the log's first {} ballots",
                i + 1
            ));
        }
    }
    (problems, log.head())
}

fn verify_poll(
    p: &PollRecord,
    keys: &HashMap<KeyId, (UserId, VerifyingKey)>,
    server_key: Option<&VerifyingKey>,
) -> PollVerdict {
    let def = &p.definition;
    let mut problems = Vec::new();
    let hash = sha256(&def.canonical_bytes());
    if hash != p.definition_hash {
        problems.push("the definition does not hash to its definition hash".into());
    }
    let poll_id = u64::try_from(def.poll_id).unwrap_or(0);
    let mut checks = Vec::with_capacity(2 * p.ballots.len() + 1);
    let mut leaves = Vec::with_capacity(p.ballots.len());
    let mut counted_in_order: Vec<(UserId, Vec<u16>)> = Vec::new();
    let voters: HashMap<UserId, &poll::Voter> = def.voters.iter().map(|v| (v.member, v)).collect();
    for (i, b) in p.ballots.iter().enumerate() {
        let at = format!("ballot {i}");
        if usize::try_from(b.index).ok() != Some(i) {
            problems.push(format!("{at}: index {} out of order", b.index));
        }
        let signed = SignedBallot {
            bytes: b.ballot.clone(),
            signature: b.signature,
        };
        let leaf = ballot_leaf(&signed);
        let lh = leaf_hash(&leaf);
        leaves.push(leaf);
        // The receipt names the tree right after its ballot: size i + 1 and the root it
        // states, which check_log compares with the rebuilt log.
        if let Some(sk) = server_key {
            let size = u64::try_from(i).unwrap_or(u64::MAX - 1) + 1;
            checks.push(Check {
                message: receipt_bytes(
                    poll_id,
                    size - 1,
                    &lh,
                    &TreeHead {
                        size,
                        root: b.tree_root,
                    },
                ),
                signature: b.receipt_signature,
                key: *sk,
                what: Signed::Receipt(i),
            });
        }
        let ballot = match Ballot::from_bytes(&b.ballot) {
            Ok(x) => x,
            Err(e) => {
                problems.push(format!("{at}: {e}"));
                continue;
            }
        };
        let member = UserId(i64::try_from(ballot.member_id).unwrap_or(-1));
        if ballot.poll_id != poll_id || ballot.poll_hash != hash {
            problems.push(format!("{at}: signed for another poll or definition"));
        }
        let Some(voter) = voters.get(&member) else {
            problems.push(format!("{at}: member {member} is not entitled to vote"));
            continue;
        };
        let key_id = KeyId(ballot.key_id);
        if !voter.keys.contains(&key_id) {
            problems.push(format!(
                "{at}: the key was not approved for member {member} when the poll opened"
            ));
        }
        match keys.get(&key_id) {
            Some((owner, key)) if *owner == member => checks.push(Check {
                message: b.ballot.clone(),
                signature: b.signature,
                key: *key,
                what: Signed::Ballot(i),
            }),
            Some(_) => problems.push(format!("{at}: the key belongs to another member")),
            None => problems.push(format!("{at}: the signing key is not in the bundle")),
        }
        if def.form.check(&ballot.choices).is_err() {
            problems.push(format!("{at}: the choice does not fit the ballot form"));
        }
        counted_in_order.push((member, ballot.choices));
    }
    if !def.rule.changes_allowed {
        let mut voters = std::collections::HashSet::new();
        for (m, _) in &counted_in_order {
            if !voters.insert(*m) {
                problems.push(format!(
                    "member {m} has two ballots although this vote allows no changes"
                ));
            }
        }
    }
    // The log and the signatures are independent: rebuild one while checking the other.
    let roots: Vec<[u8; 32]> = p.ballots.iter().map(|b| b.tree_root).collect();
    let r = &p.result;
    if let Some(sk) = server_key {
        checks.push(Check {
            message: r.canonical_bytes(),
            signature: p.result_signature,
            key: *sk,
            what: Signed::Result,
        });
    }
    let ((log_problems, head), bad_signatures) = std::thread::scope(|s| {
        let log = s.spawn(|| check_log(leaves, &roots));
        let bad = check_signatures(&checks);
        (
            log.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            bad,
        )
    });
    problems.extend(log_problems);
    if r.poll_id != def.poll_id || r.definition_hash != hash {
        problems.push("the result names another poll or definition".into());
    }
    if r.tree_size != head.size || r.tree_root != head.root {
        problems.push(format!(
            "the result was counted from a log of {} ballots with another root; the bundle has {}",
            r.tree_size, head.size
        ));
    }
    problems.extend(bad_signatures);
    let counted = poll::counted(
        &def.rule,
        counted_in_order.iter().map(|(m, c)| (*m, c.as_slice())),
    );
    let recount = match poll::tally(def, &counted) {
        Ok(t) => {
            if t != r.result {
                problems.push(format!(
                    "the recount ({:?}, counts {:?}) differs from the signed result ({:?}, counts {:?})",
                    t.outcome, t.counts, r.result.outcome, r.result.counts
                ));
            }
            Some(t)
        }
        Err(e) => {
            problems.push(format!("the ballots cannot be counted: {e}"));
            None
        }
    };
    PollVerdict {
        poll_id: def.poll_id,
        question: def.question.clone(),
        ballots: p.ballots.len(),
        recount,
        problems,
    }
}

/// Batch-verifies in parallel chunks; a failing chunk is rechecked one by one (strictly)
/// so that the report names each bad signature.
fn check_signatures(checks: &[Check]) -> Vec<String> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = checks.len().div_ceil(threads).max(64);
    std::thread::scope(|s| {
        let handles: Vec<_> = checks
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let msgs: Vec<&[u8]> = part.iter().map(|c| c.message.as_slice()).collect();
                    let sigs: Vec<[u8; 64]> = part.iter().map(|c| c.signature).collect();
                    let keys: Vec<VerifyingKey> = part.iter().map(|c| c.key).collect();
                    if ecabinet_crypto::verify_batch(&msgs, &sigs, &keys) {
                        return Vec::new();
                    }
                    part.iter()
                        .filter(|c| !ecabinet_crypto::verify_one(&c.key, &c.message, &c.signature))
                        .map(|c| format!("{} does not verify", c.what))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec!["signature check crashed".into()])
            })
            .collect()
    })
}

/// The verdict as the short text `ecabinet verify` prints.
pub fn describe(v: &Verdict) -> String {
    let mut out = String::new();
    for p in &v.problems {
        out.push_str(&format!("FAIL bundle: {p}\n"));
    }
    for p in &v.polls {
        let outcome = p
            .recount
            .as_ref()
            .map(|r| {
                format!(
                    "{:?}, counts {:?}, {} of {} voted",
                    r.outcome,
                    r.counts,
                    r.voted,
                    r.voted + r.not_voted
                )
            })
            .unwrap_or_else(|| "not countable".into());
        if p.problems.is_empty() {
            out.push_str(&format!(
                "ok   poll {} «{}»: {} ballots, signatures and log verified, recount agrees: {outcome}\n",
                p.poll_id, p.question, p.ballots
            ));
        } else {
            out.push_str(&format!(
                "FAIL poll {} «{}»: {} ballots; {outcome}\n",
                p.poll_id, p.question, p.ballots
            ));
            for problem in p.problems.iter().take(20) {
                out.push_str(&format!("       - {problem}\n"));
            }
            if p.problems.len() > 20 {
                out.push_str(&format!("       - and {} more\n", p.problems.len() - 20));
            }
        }
    }
    out.push_str(if v.ok() {
        "verdict: VERIFIED\n"
    } else {
        "verdict: NOT VERIFIED\n"
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecabinet_domain::vote::Outcome;

    fn problems(b: &Bundle) -> String {
        describe(&verify(b))
    }

    #[test]
    fn a_sound_bundle_verifies_and_recounts() {
        let b = sample::bundle(40).unwrap();
        let v = verify(&b);
        assert!(v.ok(), "{}", describe(&v));
        let r = v.polls[0].recount.as_ref().unwrap();
        assert_eq!(
            (r.counts.clone(), r.outcome),
            (vec![30, 10, 0], Outcome::Passed)
        );
        // And it survives its own JSON form.
        let again = parse(&serde_json::to_vec(&b).unwrap()).unwrap();
        assert!(verify(&again).ok());
    }

    type Tamper = Box<dyn Fn(&mut Bundle)>;

    /// Every kind of tampering is caught and named.
    #[test]
    fn tampering_is_named() {
        let good = sample::bundle(12).unwrap();
        let cases: Vec<(&str, Tamper)> = vec![
            (
                "does not hash",
                Box::new(|b| b.polls[0].definition.question.push('?')),
            ),
            (
                "member's signature",
                Box::new(|b| b.polls[0].ballots[3].signature[0] ^= 1),
            ),
            (
                "receipt signature",
                Box::new(|b| b.polls[0].ballots[5].receipt_signature[9] ^= 1),
            ),
            (
                "not the root",
                Box::new(|b| b.polls[0].ballots[2].tree_root[0] ^= 1),
            ),
            (
                "result was counted from",
                Box::new(|b| {
                    b.polls[0].ballots.pop();
                }),
            ),
            ("out of order", Box::new(|b| b.polls[0].ballots.swap(1, 2))),
            (
                "differs from the signed result",
                Box::new(|b| {
                    // A count that the ballots do not support.
                    b.polls[0].result.result.counts[0] += 1;
                }),
            ),
            (
                "result signature",
                Box::new(|b| b.polls[0].result.result.outcome = Outcome::Failed),
            ),
            (
                "not in the bundle",
                Box::new(|b| {
                    b.devices.remove(4);
                }),
            ),
            (
                "does not match its key id",
                Box::new(|b| b.devices[0].public_key = b.devices[1].public_key),
            ),
            (
                "unknown format",
                Box::new(|b| b.format = "ecabinet-archive/v2".into()),
            ),
            ("server key", Box::new(|b| b.server_key = [0; 32])),
            ("another meeting", Box::new(|b| b.meeting.id = MeetingId(2))),
        ];
        for (expected, tamper) in cases {
            let mut b = good.clone();
            tamper(&mut b);
            let v = verify(&b);
            assert!(!v.ok(), "{expected}: still verified");
            let text = describe(&v);
            assert!(text.contains(expected), "{expected}: {text}");
            assert!(text.ends_with("verdict: NOT VERIFIED\n"));
        }
        assert!(problems(&good).ends_with("verdict: VERIFIED\n"));
    }

    #[test]
    fn a_second_ballot_without_changes_is_refused() {
        let mut b = sample::bundle(3).unwrap();
        let first = b.polls[0].ballots[0].clone();
        // Re-sign nothing: a duplicate leaf of the same member breaks the log and the rule.
        b.polls[0].ballots.push(BallotRecord { index: 3, ..first });
        assert!(problems(&b).contains("has two ballots"));
    }

    #[test]
    fn unreadable_input_is_an_error() {
        assert!(parse(b"{").is_err());
        assert!(parse(br#"{"format": "ecabinet-archive/v1"}"#).is_err());
    }
}
