//! A deterministic, valid sample bundle: one yes/no poll with `n` signed ballots, built the
//! way the server builds one (a receipt after each leaf, a signed result). For tests of the
//! verifier and for timing it (BENCHMARKS.md).

use crate::{BallotRecord, Bundle, DeviceRecord, MeetingRecord, PollRecord};
use ecabinet_crypto::log::{PollLog, ballot_leaf, leaf_hash, receipt_bytes, server_sign};
use ecabinet_crypto::{Ballot, SigningKey, key_id, sha256};
use ecabinet_domain::poll::{self, BallotForm, KeyId, PollDefinition, ResultRecord, Voter};
use ecabinet_domain::vote::DecisionRule;
use ecabinet_domain::{MeetingId, UserId};

/// A valid bundle of one poll with `n` signed ballots, built the way the server builds
/// one (receipts after each leaf, a signed result), for timing the verifier.
pub fn bundle(n: usize) -> Result<Bundle, String> {
    let server = SigningKey::from_bytes(&sha256(b"sample server key"));
    let keys: Vec<SigningKey> = (0..n)
        .map(|i| SigningKey::from_bytes(&sha256(format!("sample member {i}").as_bytes())))
        .collect();
    let mut def = PollDefinition {
        poll_id: 1,
        meeting_id: MeetingId(1),
        item_id: None,
        question: "Thông qua Nghị quyết?".into(),
        form: BallotForm::yes_no(),
        rule: DecisionRule::GOVERNMENT,
        chair: Some(UserId(1)),
        voters: keys
            .iter()
            .enumerate()
            .map(|(i, k)| Voter {
                member: UserId(i as i64 + 1),
                keys: vec![KeyId(key_id(&k.verifying_key()))],
                present: true,
            })
            .collect(),
        opened_at: 1_800_000_000_000,
    };
    def.normalize();
    let hash = sha256(&def.canonical_bytes());
    let mut log = PollLog::new();
    let mut ballots = Vec::with_capacity(n);
    let mut counted = Vec::with_capacity(n);
    for (i, k) in keys.iter().enumerate() {
        let choice = u16::from(i % 4 == 0);
        let signed = Ballot {
            poll_id: 1,
            poll_hash: hash,
            member_id: i as u64 + 1,
            key_id: key_id(&k.verifying_key()),
            choices: vec![choice],
            text_hash: [0; 32],
            nonce: u128::try_from(i).unwrap_or(0).to_be_bytes(),
            client_time: 1_800_000_000_000,
        }
        .sign(k)
        .map_err(|e| e.to_string())?;
        let leaf = ballot_leaf(&signed);
        let lh = leaf_hash(&leaf);
        let index = log.append(leaf);
        let head = log.head();
        ballots.push(BallotRecord {
            index,
            ballot: signed.bytes.clone(),
            signature: signed.signature,
            tree_root: head.root,
            receipt_signature: server_sign(&server, &receipt_bytes(1, index, &lh, &head)),
        });
        counted.push((UserId(i as i64 + 1), vec![choice]));
    }
    let refs: Vec<(UserId, &[u16])> = counted.iter().map(|(u, c)| (*u, c.as_slice())).collect();
    let head = log.head();
    let result = ResultRecord {
        poll_id: 1,
        definition_hash: hash,
        tree_size: head.size,
        tree_root: head.root,
        closed_at: 1_800_000_600_000,
        result: poll::tally(&def, &refs).map_err(|e| e.to_string())?,
    };
    let result_signature = server_sign(&server, &result.canonical_bytes());
    Ok(Bundle {
        format: crate::FORMAT_V1.into(),
        exported_at: 1_800_000_700_000,
        server_key: *server.verifying_key().as_bytes(),
        meeting: MeetingRecord {
            id: MeetingId(1),
            title: "Phiên họp mẫu".into(),
        },
        members: vec![],
        devices: keys
            .iter()
            .enumerate()
            .map(|(i, k)| DeviceRecord {
                device_id: i as i64 + 1,
                member_id: UserId(i as i64 + 1),
                label: "Máy tính bảng".into(),
                public_key: *k.verifying_key().as_bytes(),
                key_id: KeyId(key_id(&k.verifying_key())),
                status: "approved".into(),
                registered_at: 1_799_000_000_000,
                decided_by: Some(UserId(0)),
                decided_at: Some(1_799_000_100_000),
            })
            .collect(),
        polls: vec![PollRecord {
            definition: def,
            definition_hash: hash,
            ballots,
            result,
            result_signature,
        }],
    })
}
