//! The archive bundle of written opinion polls (docs/archive-format.md §7) and its offline
//! recount: every answer's signature and text, every receipt's root, the log, the count
//! under the rule and non-response option, and the server's signature on the result.

use crate::{DeviceRecord, MemberRecord, check_log};
use ecabinet_crypto::log::{TreeHead, ballot_leaf, leaf_hash, receipt_bytes, server_verify};
use ecabinet_crypto::{Ballot, SignedBallot, check_public_key, sha256};
use ecabinet_domain::UserId;
use ecabinet_domain::opinion::{self, Answer, OpinionDefinition, OpinionResultRecord};
use ecabinet_domain::poll::KeyId;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The `format` of a v1 opinion bundle.
pub const FORMAT_V1: &str = "ecabinet-opinion-archive/v1";

/// Closed written polls, with what is needed to recount them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpinionBundle {
    /// Always [`FORMAT_V1`].
    pub format: String,
    /// When it was exported, Unix ms.
    pub exported_at: i64,
    /// The server's ed25519 public key, hex.
    #[serde(with = "hex::serde")]
    pub server_key: [u8; 32],
    /// Members asked.
    pub members: Vec<MemberRecord>,
    /// Device keys that could sign an answer, with their approvals.
    pub devices: Vec<DeviceRecord>,
    /// The polls.
    pub opinions: Vec<OpinionRecord>,
}

/// One closed written poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpinionRecord {
    /// The definition fixed when it was sent.
    pub definition: OpinionDefinition,
    /// SHA-256 of its canonical bytes, hex.
    #[serde(with = "hex::serde")]
    pub definition_hash: [u8; 32],
    /// Accepted answers in log order.
    pub answers: Vec<AnswerRecord>,
    /// The result the server signed.
    pub result: OpinionResultRecord,
    /// Server signature over its canonical bytes, hex.
    #[serde(with = "hex::serde")]
    pub result_signature: [u8; 64],
}

/// One accepted answer, its text and its receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerRecord {
    /// Position in the log, from 0.
    pub index: u64,
    /// Canonical v1 ballot bytes, hex.
    #[serde(with = "hex::serde")]
    pub ballot: Vec<u8>,
    /// Device signature, hex.
    #[serde(with = "hex::serde")]
    pub signature: [u8; 64],
    /// The written opinion or comment; its SHA-256 is the ballot's text hash.
    pub text: String,
    /// Root of the log right after this answer, hex.
    #[serde(with = "hex::serde")]
    pub tree_root: [u8; 32],
    /// Server signature over the receipt bytes, hex.
    #[serde(with = "hex::serde")]
    pub receipt_signature: [u8; 64],
}

/// The verdict on one written poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpinionVerdict {
    /// Poll id.
    pub poll_id: i64,
    /// Its question.
    pub question: String,
    /// Answers in the log.
    pub answers: usize,
    /// The recount, when the answers could be counted.
    pub recount: Option<opinion::OpinionResult>,
    /// Everything that did not check out.
    pub problems: Vec<String>,
}

/// The verdict on an opinion bundle.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct OpinionBundleVerdict {
    /// Problems with the bundle as a whole.
    pub problems: Vec<String>,
    /// One per poll.
    pub opinions: Vec<OpinionVerdict>,
}

impl OpinionBundleVerdict {
    /// Whether everything checked out.
    pub fn ok(&self) -> bool {
        self.problems.is_empty() && self.opinions.iter().all(|p| p.problems.is_empty())
    }
}

/// Checks every signature, text, receipt and the log of each poll, and recounts it.
pub fn verify(bundle: &OpinionBundle) -> OpinionBundleVerdict {
    let mut verdict = OpinionBundleVerdict::default();
    if bundle.format != FORMAT_V1 {
        verdict
            .problems
            .push(format!("unknown format {:?}", bundle.format));
        return verdict;
    }
    let server_key = check_public_key(&bundle.server_key).ok();
    if server_key.is_none() {
        verdict
            .problems
            .push("the server key is not a usable ed25519 key".into());
    }
    let mut keys: HashMap<KeyId, (UserId, VerifyingKey)> = HashMap::new();
    for d in &bundle.devices {
        match check_public_key(&d.public_key)
            .ok()
            .filter(|k| KeyId(ecabinet_crypto::key_id(k)) == d.key_id)
        {
            Some(k) => {
                keys.insert(d.key_id, (d.member_id, k));
            }
            None => verdict.problems.push(format!(
                "device {}: the public key is unusable or does not match its key id",
                d.device_id
            )),
        }
    }
    for o in &bundle.opinions {
        verdict
            .opinions
            .push(verify_one(o, &keys, server_key.as_ref()));
    }
    verdict
}

fn verify_one(
    o: &OpinionRecord,
    keys: &HashMap<KeyId, (UserId, VerifyingKey)>,
    server_key: Option<&VerifyingKey>,
) -> OpinionVerdict {
    let def = &o.definition;
    let mut problems = Vec::new();
    let hash = sha256(&def.canonical_bytes());
    if hash != o.definition_hash {
        problems.push("the definition does not hash to its definition hash".into());
    }
    let poll_id = u64::try_from(def.poll_id).unwrap_or(0);
    let mut leaves = Vec::with_capacity(o.answers.len());
    let mut last: BTreeMap<UserId, Answer> = BTreeMap::new();
    for (i, a) in o.answers.iter().enumerate() {
        let at = format!("answer {i}");
        if usize::try_from(a.index).ok() != Some(i) {
            problems.push(format!("{at}: index {} out of order", a.index));
        }
        let signed = SignedBallot {
            bytes: a.ballot.clone(),
            signature: a.signature,
        };
        let leaf = ballot_leaf(&signed);
        let lh = leaf_hash(&leaf);
        leaves.push(leaf);
        if let Some(sk) = server_key {
            let size = u64::try_from(i).unwrap_or(u64::MAX - 1) + 1;
            let head = TreeHead {
                size,
                root: a.tree_root,
            };
            if server_verify(
                sk.as_bytes(),
                &receipt_bytes(poll_id, size - 1, &lh, &head),
                &a.receipt_signature,
            )
            .is_err()
            {
                problems.push(format!("{at}: the receipt signature does not verify"));
            }
        }
        let ballot = match Ballot::from_bytes(&a.ballot) {
            Ok(b) => b,
            Err(e) => {
                problems.push(format!("{at}: {e}"));
                continue;
            }
        };
        let member = UserId(i64::try_from(ballot.member_id).unwrap_or(-1));
        if ballot.poll_id != poll_id || ballot.poll_hash != hash {
            problems.push(format!("{at}: signed for another poll or definition"));
        }
        let Some(addressee) = def.addressee(member) else {
            problems.push(format!("{at}: member {member} was not asked"));
            continue;
        };
        let key_id = KeyId(ballot.key_id);
        if !addressee.keys.contains(&key_id) {
            problems.push(format!(
                "{at}: the key was not approved for member {member} when the poll was sent"
            ));
        }
        match keys.get(&key_id) {
            Some((owner, key)) if *owner == member => {
                if signed.verify(key.as_bytes()).is_err() {
                    problems.push(format!("{at}: the member's signature does not verify"));
                }
            }
            Some(_) => problems.push(format!("{at}: the key belongs to another member")),
            None => problems.push(format!("{at}: the signing key is not in the bundle")),
        }
        let text_hash = if a.text.is_empty() {
            [0; 32]
        } else {
            sha256(a.text.as_bytes())
        };
        if text_hash != ballot.text_hash {
            problems.push(format!("{at}: the text is not the text the member signed"));
        }
        match Answer::from_choices(&ballot.choices) {
            Some(Answer::Other) if a.text.trim().is_empty() => {
                problems.push(format!("{at}: an other opinion without its text"))
            }
            Some(ans) => {
                last.insert(member, ans);
            }
            None => problems.push(format!("{at}: the choice is not an answer")),
        }
    }
    let roots: Vec<[u8; 32]> = o.answers.iter().map(|a| a.tree_root).collect();
    let (log_problems, head) = check_log(leaves, &roots);
    problems.extend(
        log_problems
            .into_iter()
            .map(|p| p.replace("ballot", "answer")),
    );
    let r = &o.result;
    if r.poll_id != def.poll_id || r.definition_hash != hash {
        problems.push("the result names another poll or definition".into());
    }
    if r.tree_size != head.size || r.tree_root != head.root {
        problems.push(format!(
            "the result was counted from a log of {} answers with another root; the bundle has {}",
            r.tree_size, head.size
        ));
    }
    if let Some(sk) = server_key
        && server_verify(sk.as_bytes(), &r.canonical_bytes(), &o.result_signature).is_err()
    {
        problems.push("the result signature does not verify".into());
    }
    let counted: Vec<(UserId, Answer)> = last.into_iter().collect();
    let recount = match opinion::tally(def, &counted) {
        Ok(t) => {
            if t != r.result {
                problems.push(format!(
                    "the recount ({:?}: {} agree, {} disagree, {} other, {} silent) differs from the signed result ({:?})",
                    t.outcome, t.agree, t.disagree, t.other, t.not_answered, r.result.outcome
                ));
            }
            Some(t)
        }
        Err(e) => {
            problems.push(format!("the answers cannot be counted: {e}"));
            None
        }
    };
    OpinionVerdict {
        poll_id: def.poll_id,
        question: def.question.clone(),
        answers: o.answers.len(),
        recount,
        problems,
    }
}

/// The verdict as the text `ecabinet verify` prints.
pub fn describe(v: &OpinionBundleVerdict) -> String {
    let mut out = String::new();
    for p in &v.problems {
        out.push_str(&format!("FAIL bundle: {p}\n"));
    }
    for o in &v.opinions {
        let outcome = o.recount.as_ref().map_or_else(
            || "not countable".to_owned(),
            |r| {
                format!(
                    "{:?}: {} agree, {} disagree, {} other, {} did not answer",
                    r.outcome, r.agree, r.disagree, r.other, r.not_answered
                )
            },
        );
        if o.problems.is_empty() {
            out.push_str(&format!(
                "ok   written poll {} «{}»: {} answers, signatures, texts and log verified, recount agrees: {outcome}\n",
                o.poll_id, o.question, o.answers
            ));
        } else {
            out.push_str(&format!(
                "FAIL written poll {} «{}»: {} answers; {outcome}\n",
                o.poll_id, o.question, o.answers
            ));
            for p in &o.problems {
                out.push_str(&format!("       - {p}\n"));
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
