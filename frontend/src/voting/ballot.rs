//! This tablet's side of a ballot: what it signs for a vote, after recomputing the hash
//! of the definition it was shown, and the checks of every receipt and, after the close,
//! of the count.
// The server build never signs (its `browser` functions are stubs): what only the browser
// and the tests use is not dead code there.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use crate::devices::{DeviceError, unhex};
use ecabinet_crypto::log::{
    TreeHead, ballot_leaf, leaf_hash, receipt_bytes, server_verify, verify_consistency,
    verify_inclusion,
};
use ecabinet_crypto::{Ballot, SigningKey, key_id, sha256};
use ecabinet_domain::UserId;
use ecabinet_protocol::poll::{PollView, Receipt};

/// What the tablet signs for `choices` in the poll `view`, after checking that the
/// definition it was shown hashes to the hash the server states and that this key may
/// vote in it. `nonce` and `now_ms` come from the browser.
pub fn prepare_ballot(
    view: &PollView,
    me: UserId,
    key: &SigningKey,
    choices: Vec<u16>,
    nonce: [u8; 16],
    now_ms: i64,
) -> Result<Ballot, DeviceError> {
    let def = view.definition.as_ref().ok_or(DeviceError::NotOpen)?;
    let hash = sha256(&def.canonical_bytes());
    if view.definition_hash.as_deref() != Some(hex::encode(hash).as_str()) {
        return Err(DeviceError::DefinitionMismatch);
    }
    let kid = key_id(&key.verifying_key());
    let voter = def.voter(me).ok_or(DeviceError::KeyNotInPoll)?;
    if !voter.keys.iter().any(|k| k.0 == kid) {
        return Err(DeviceError::KeyNotInPoll);
    }
    Ok(Ballot {
        poll_id: u64::try_from(def.poll_id).map_err(|_| DeviceError::NotOpen)?,
        poll_hash: hash,
        member_id: u64::try_from(me.0).map_err(|_| DeviceError::NotOpen)?,
        key_id: kid,
        choices,
        text_hash: [0; 32],
        nonce,
        client_time: now_ms,
    })
}

/// Checks a receipt as a tablet must: signed by `server_key`, for this ballot's leaf, and
/// that leaf is in the tree the receipt names.
pub fn check_receipt(r: &Receipt, server_key: &str, leaf: &[u8]) -> Result<(), DeviceError> {
    let head = TreeHead {
        size: r.tree_size,
        root: unhex(&r.tree_root)?,
    };
    let lh: [u8; 32] = unhex(&r.leaf_hash)?;
    if lh != leaf_hash(leaf) {
        return Err(DeviceError::BadReceipt);
    }
    let poll = u64::try_from(r.poll_id).map_err(|_| DeviceError::BadReceipt)?;
    server_verify(
        &unhex(server_key)?,
        &receipt_bytes(poll, r.index, &lh, &head),
        &unhex(&r.signature)?,
    )
    .map_err(|_| DeviceError::BadReceipt)?;
    let proof = r
        .inclusion
        .iter()
        .map(|h| unhex(h))
        .collect::<Result<Vec<[u8; 32]>, _>>()?;
    if !verify_inclusion(&head, leaf, r.index, &proof) {
        return Err(DeviceError::BadReceipt);
    }
    Ok(())
}

/// After the close: the result is signed by the server, and the tree it was counted from
/// extends the tree of every receipt this tablet kept (so each ballot was counted from).
/// Returns how many receipts were checked.
pub fn check_counted(view: &PollView, kept: &[Receipt]) -> Result<usize, DeviceError> {
    let record = view.result_record.as_ref().ok_or(DeviceError::NotOpen)?;
    let sig = view
        .result_signature
        .as_deref()
        .ok_or(DeviceError::BadReceipt)?;
    server_verify(
        &unhex(&view.server_key)?,
        &record.canonical_bytes(),
        &unhex(sig)?,
    )
    .map_err(|_| DeviceError::BadReceipt)?;
    if Some(&record.result) != view.summary.result.as_ref() {
        return Err(DeviceError::BadReceipt);
    }
    let last = TreeHead {
        size: record.tree_size,
        root: record.tree_root,
    };
    for r in kept {
        let at = view
            .my_receipts
            .iter()
            .position(|m| m.leaf_hash == r.leaf_hash && m.index == r.index)
            .ok_or(DeviceError::BadReceipt)?;
        let proof = view
            .my_consistency
            .get(at)
            .ok_or(DeviceError::BadReceipt)?
            .iter()
            .map(|h| unhex(h))
            .collect::<Result<Vec<[u8; 32]>, _>>()?;
        let head = TreeHead {
            size: r.tree_size,
            root: unhex(&r.tree_root)?,
        };
        if !verify_consistency(&head, &last, &proof) {
            return Err(DeviceError::BadReceipt);
        }
    }
    Ok(kept.len())
}

/// The leaf a signed ballot makes in the poll's log.
pub fn leaf_of(b: &ecabinet_crypto::SignedBallot) -> Vec<u8> {
    ballot_leaf(b)
}

/// The browser side: unlock the key with the PIN, sign, send, check.
#[cfg(feature = "hydrate")]
pub mod browser {
    use super::*;
    use crate::devices::{keep_receipt, load_key, random, receipts, save_key, storage};
    use crate::platform::api;

    async fn view(poll: i64) -> Result<PollView, DeviceError> {
        let v = api::call("GET", format!("/api/polls/{poll}"), None)
            .await
            .map_err(DeviceError::Server)?;
        serde_json::from_value(v).map_err(|e| storage(format!("unexpected answer: {e}")))
    }

    /// The receipts this tablet kept for `poll`, oldest first.
    pub async fn kept(user: UserId, poll: i64) -> Result<Vec<Receipt>, DeviceError> {
        receipts(&format!("{}:{poll}", user.0)).await
    }

    /// Unlocks the key with `pin`, signs `choices`, sends the ballot, checks the receipt
    /// and keeps it.
    pub async fn cast(
        user: UserId,
        poll: i64,
        choices: Vec<u16>,
        pin: String,
    ) -> Result<Receipt, DeviceError> {
        let mut stored = load_key(user).await?.ok_or(DeviceError::NoKey)?;
        let key = stored.open(&pin)?;
        let v = view(poll).await?;
        match &stored.server_key {
            Some(k) if *k != v.server_key => return Err(DeviceError::ServerKeyChanged),
            Some(_) => {}
            None => {
                stored.server_key = Some(v.server_key.clone());
                save_key(&stored).await?;
            }
        }
        let now = js_sys::Date::now() as i64;
        let ballot = prepare_ballot(&v, user, &key, choices, random()?, now)?;
        let signed = ballot.sign(&key).map_err(|e| storage(e.to_string()))?;
        let answer = api::call(
            "POST",
            format!("/api/polls/{poll}/ballots"),
            Some(serde_json::json!({
                "ballot": hex::encode(&signed.bytes),
                "signature": hex::encode(signed.signature),
            })),
        )
        .await
        .map_err(DeviceError::Server)?;
        let receipt: Receipt = serde_json::from_value(answer)
            .map_err(|e| storage(format!("unexpected answer: {e}")))?;
        check_receipt(&receipt, &v.server_key, &leaf_of(&signed))?;
        keep_receipt(&format!("{}:{poll}", user.0), receipt.clone()).await?;
        Ok(receipt)
    }

    /// After the close: checks the signed result and that it was counted from a log that
    /// holds every ballot this tablet sent. `Ok(0)` when this tablet sent none.
    pub async fn check(user: UserId, poll: i64) -> Result<usize, DeviceError> {
        let receipts = kept(user, poll).await?;
        let v = view(poll).await?;
        if let Some(k) = load_key(user).await?.and_then(|k| k.server_key)
            && k != v.server_key
        {
            return Err(DeviceError::ServerKeyChanged);
        }
        check_counted(&v, &receipts)
    }
}

/// On the server nothing here runs (pages call it from event handlers only); these keep
/// the pages free of `cfg`.
#[cfg(not(feature = "hydrate"))]
#[allow(clippy::unused_async)]
pub mod browser {
    use super::*;
    use crate::devices::absent;

    /// See the browser build.
    pub async fn kept(_: UserId, _: i64) -> Result<Vec<Receipt>, DeviceError> {
        Err(absent())
    }

    /// See the browser build.
    pub async fn cast(_: UserId, _: i64, _: Vec<u16>, _: String) -> Result<Receipt, DeviceError> {
        Err(absent())
    }

    /// See the browser build.
    pub async fn check(_: UserId, _: i64) -> Result<usize, DeviceError> {
        Err(absent())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ecabinet_crypto::log::{PollLog, server_sign};
    use ecabinet_domain::MeetingId;
    use ecabinet_domain::poll::{
        BallotForm, KeyId, PollDefinition, PollStatus, ResultRecord, Voter,
    };
    use ecabinet_domain::vote::DecisionRule;
    use ecabinet_protocol::poll::PollSummary;

    const ME: UserId = UserId(3);

    fn definition(member_key: &SigningKey) -> PollDefinition {
        PollDefinition {
            poll_id: 9,
            meeting_id: MeetingId(2),
            item_id: None,
            question: "Thông qua Nghị quyết?".into(),
            form: BallotForm::yes_no(),
            rule: DecisionRule::GOVERNMENT,
            chair: Some(UserId(1)),
            voters: vec![
                Voter {
                    member: UserId(1),
                    keys: vec![],
                    present: true,
                },
                Voter {
                    member: ME,
                    keys: vec![KeyId(key_id(&member_key.verifying_key()))],
                    present: true,
                },
            ],
            opened_at: 1_795_363_200_000,
        }
    }

    fn view(def: PollDefinition, server: &SigningKey) -> PollView {
        PollView {
            summary: PollSummary {
                id: def.poll_id,
                meeting_id: def.meeting_id,
                item_id: None,
                question: def.question.clone(),
                form: def.form.clone(),
                rule: def.rule,
                status: PollStatus::Open,
                eligible: 2,
                voted: 0,
                duration_seconds: None,
                closes_at: None,
                result: None,
            },
            definition_hash: Some(hex::encode(sha256(&def.canonical_bytes()))),
            definition: Some(def),
            server_key: hex::encode(server.verifying_key().as_bytes()),
            my_receipts: vec![],
            my_consistency: vec![],
            result_record: None,
            result_signature: None,
        }
    }

    /// What the server does on acceptance: append, sign the receipt, prove inclusion.
    fn accept(log: &mut PollLog, server: &SigningKey, leaf: Vec<u8>) -> Receipt {
        let lh = leaf_hash(&leaf);
        let index = log.append(leaf);
        let head = log.head();
        Receipt {
            poll_id: 9,
            index,
            leaf_hash: hex::encode(lh),
            tree_size: head.size,
            tree_root: hex::encode(head.root),
            signature: hex::encode(server_sign(server, &receipt_bytes(9, index, &lh, &head))),
            inclusion: log
                .prove_inclusion(index)
                .unwrap()
                .iter()
                .map(hex::encode)
                .collect(),
        }
    }

    #[test]
    fn the_tablet_signs_only_the_definition_it_can_hash_and_only_with_an_admitted_key() {
        let (member, server) = (
            SigningKey::from_bytes(&[5; 32]),
            SigningKey::from_bytes(&[6; 32]),
        );
        let v = view(definition(&member), &server);
        let b = prepare_ballot(&v, ME, &member, vec![0], [1; 16], 42).unwrap();
        assert_eq!(hex::encode(b.poll_hash), v.definition_hash.clone().unwrap());
        assert_eq!((b.poll_id, b.member_id, b.choices.clone()), (9, 3, vec![0]));

        // A server that shows one question and states the hash of another gets nothing.
        let mut shown = v.clone();
        if let Some(d) = shown.definition.as_mut() {
            d.question = "Một câu hỏi khác".into();
        }
        assert_eq!(
            prepare_ballot(&shown, ME, &member, vec![0], [1; 16], 42).unwrap_err(),
            DeviceError::DefinitionMismatch
        );
        // A key approved after the opening, or another member's place, is refused here.
        let late = SigningKey::from_bytes(&[7; 32]);
        assert_eq!(
            prepare_ballot(&v, ME, &late, vec![0], [1; 16], 42).unwrap_err(),
            DeviceError::KeyNotInPoll
        );
        assert_eq!(
            prepare_ballot(&v, UserId(1), &member, vec![0], [1; 16], 42).unwrap_err(),
            DeviceError::KeyNotInPoll
        );
    }

    #[test]
    fn receipts_and_the_counted_log_are_checked() {
        let (member, server) = (
            SigningKey::from_bytes(&[5; 32]),
            SigningKey::from_bytes(&[6; 32]),
        );
        let mut v = view(definition(&member), &server);
        let signed = prepare_ballot(&v, ME, &member, vec![1], [2; 16], 43)
            .unwrap()
            .sign(&member)
            .unwrap();
        let mut log = PollLog::new();
        accept(&mut log, &server, b"an earlier ballot".to_vec());
        let mine = accept(&mut log, &server, leaf_of(&signed));
        let server_hex = v.server_key.clone();
        check_receipt(&mine, &server_hex, &leaf_of(&signed)).unwrap();
        // Signed by another key, for another leaf, or with a wrong proof: refused.
        let other = hex::encode(SigningKey::from_bytes(&[8; 32]).verifying_key().as_bytes());
        assert_eq!(
            check_receipt(&mine, &other, &leaf_of(&signed)),
            Err(DeviceError::BadReceipt)
        );
        assert_eq!(
            check_receipt(&mine, &server_hex, b"not mine"),
            Err(DeviceError::BadReceipt)
        );
        let mut bent = mine.clone();
        bent.inclusion[0] = hex::encode([0u8; 32]);
        assert_eq!(
            check_receipt(&bent, &server_hex, &leaf_of(&signed)),
            Err(DeviceError::BadReceipt)
        );

        // More ballots, then the close: the result names the final tree.
        accept(&mut log, &server, b"a later ballot".to_vec());
        let head = log.head();
        let def = v.definition.clone().unwrap();
        let result = ecabinet_domain::poll::tally(&def, &[(ME, &[1][..])]).unwrap();
        let record = ResultRecord {
            poll_id: 9,
            definition_hash: sha256(&def.canonical_bytes()),
            tree_size: head.size,
            tree_root: head.root,
            closed_at: 44,
            result: result.clone(),
        };
        v.summary.result = Some(result);
        v.result_signature = Some(hex::encode(server_sign(&server, &record.canonical_bytes())));
        v.result_record = Some(record);
        v.my_receipts = vec![Receipt {
            inclusion: vec![],
            ..mine.clone()
        }];
        v.my_consistency = vec![
            log.prove_consistency(mine.tree_size)
                .unwrap()
                .iter()
                .map(hex::encode)
                .collect(),
        ];
        assert_eq!(check_counted(&v, std::slice::from_ref(&mine)), Ok(1));
        assert_eq!(check_counted(&v, &[]), Ok(0));

        // A result re-signed by someone else, or a log that drops the ballot, fails.
        let mut forged = v.clone();
        forged.result_signature = Some(hex::encode(server_sign(
            &SigningKey::from_bytes(&[8; 32]),
            &forged.result_record.as_ref().unwrap().canonical_bytes(),
        )));
        assert_eq!(
            check_counted(&forged, std::slice::from_ref(&mine)),
            Err(DeviceError::BadReceipt)
        );
        let mut rewritten = v.clone();
        rewritten.my_consistency[0][0] = hex::encode([1u8; 32]);
        assert_eq!(
            check_counted(&rewritten, std::slice::from_ref(&mine)),
            Err(DeviceError::BadReceipt)
        );
        let mut other_receipt = mine.clone();
        other_receipt.tree_root = hex::encode([2u8; 32]);
        assert_eq!(
            check_counted(&v, &[other_receipt]),
            Err(DeviceError::BadReceipt)
        );
    }
}
