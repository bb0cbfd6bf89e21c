//! Durability: the real `ecabinet` binary is killed with SIGKILL in the middle of a burst
//! of ballots; after a restart every acknowledged ballot is there, counted once, and the
//! archive verifies.

use ecabinet_crypto::log::leaf_hash;
use ecabinet_protocol::poll::Receipt;
use ecabinet_tests::*;
use serde_json::json;

#[tokio::test]
async fn acknowledged_ballots_survive_sigkill() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    seed_with_binary(&db.url).await?;
    let mut server = ServerProcess::start(&db.url, &[]).await?;
    let base = server.base.clone();

    let (clerk, meeting) = started_demo_meeting(&base).await?;
    let poll = new_poll(&clerk, meeting, "Thông qua Nghị quyết?").await?;
    let mut tablets = Vec::new();
    for n in ["ptt1", "ptt2", "ptt3", "ptt4"]
        .into_iter()
        .map(String::from)
        .chain((1..=22).map(|i| format!("bt{i:02}")))
    {
        tablets.push(enroll(Client::logged_in(&base, &n).await?, &clerk).await?);
    }
    clerk
        .ok_post(&format!("/api/polls/{poll}/open"), json!({}))
        .await?;
    let (_, hash) = poll_definition(&clerk, poll).await?;

    // The burst: every member at once; the server dies after the eighth acknowledgement.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for t in &tablets {
        let body = t.ballot(poll, hash, &[0]);
        let c = t.client.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(c.post(&format!("/api/polls/{poll}/ballots"), body).await);
        });
    }
    drop(tx);
    let mut acked: Vec<Receipt> = Vec::new();
    while let Some(answer) = rx.recv().await {
        if let Ok(a) = answer
            && a.status == 201
        {
            acked.push(serde_json::from_value(a.body)?);
            if acked.len() == 8 {
                server.kill().await?;
            }
        }
    }
    assert!(acked.len() >= 8, "only {} acknowledged", acked.len());

    server.restart().await?;
    let clerk = Client::logged_in(&base, "vanthu1").await?;
    if let Err(e) = clerk
        .ok_post(&format!("/api/polls/{poll}/close"), json!({}))
        .await
    {
        anyhow::bail!("{e}\nserver log:\n{}", server.log_text());
    }
    let bundle = clerk.get(&format!("/api/polls/{poll}/archive")).await?;
    let bundle = ecabinet_archive::parse(bundle.body.to_string().as_bytes()).expect("bundle");
    let verdict = ecabinet_archive::verify(&bundle);
    assert!(verdict.ok(), "{}", ecabinet_archive::describe(&verdict));
    let stored: Vec<String> = bundle.polls[0]
        .ballots
        .iter()
        .map(|b| {
            let mut leaf = b.ballot.clone();
            leaf.extend_from_slice(&b.signature);
            hex::encode(leaf_hash(&leaf))
        })
        .collect();
    for r in &acked {
        let found: Vec<usize> = stored
            .iter()
            .enumerate()
            .filter(|(_, h)| **h == r.leaf_hash)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(
            found,
            vec![r.index as usize],
            "acknowledged ballot at its index, once"
        );
    }
    let result = verdict.polls[0].recount.as_ref().expect("recount");
    assert_eq!(result.voted as usize, stored.len(), "one ballot per member");
    assert!(stored.len() >= acked.len());
    Ok(())
}
