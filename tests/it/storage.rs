//! The storage behaviour that everything else rests on, on the engine under test.

use ecabinet_domain::MeetingId;
use ecabinet_domain::meeting::MeetingStatus;
use ecabinet_protocol::{EventBody, Topic};
use ecabinet_storage::Db;
use ecabinet_tests::TestDb;

#[tokio::test]
async fn concurrent_appends_to_one_topic_get_gap_free_seqs() -> anyhow::Result<()> {
    let t = TestDb::new().await?;
    let db = Db::connect(&t.url).await?;
    db.migrate().await?;
    // Migrations are idempotent.
    db.migrate().await?;
    let topic = Topic::Meeting(MeetingId(1));
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut tx = db.write().await?;
                let seq = tx
                    .append(
                        topic,
                        EventBody::MeetingStatusChanged {
                            status: MeetingStatus::Published,
                        },
                        None,
                    )
                    .await?;
                tx.commit().await?;
                Ok::<_, ecabinet_storage::StoreError>(seq)
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for task in tasks {
        seqs.push(task.await??);
    }
    seqs.sort();
    assert_eq!(seqs, (1..=40).collect::<Vec<u64>>(), "on {}", t.engine());
    let mut tx = db.read().await?;
    assert_eq!(tx.last_seq(topic).await?, 40);
    let stored = tx.events_after(topic, 35, 100).await?;
    assert_eq!(
        stored.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![36, 37, 38, 39, 40]
    );
    // Another topic has its own sequence.
    assert_eq!(tx.last_seq(Topic::Meetings).await?, 0);
    Ok(())
}

#[tokio::test]
async fn a_rolled_back_change_leaves_no_event() -> anyhow::Result<()> {
    let t = TestDb::new().await?;
    let db = Db::connect(&t.url).await?;
    db.migrate().await?;
    let topic = Topic::Meetings;
    {
        let mut tx = db.write().await?;
        tx.append(
            topic,
            EventBody::MeetingUnlisted {
                meeting_id: MeetingId(1),
            },
            None,
        )
        .await?;
        // Dropped without commit.
    }
    let mut tx = db.write().await?;
    let seq = tx
        .append(
            topic,
            EventBody::MeetingUnlisted {
                meeting_id: MeetingId(2),
            },
            None,
        )
        .await?;
    let events = tx.commit().await?;
    assert_eq!(seq, 1, "the rolled-back seq is reused: no gap");
    assert_eq!(events.len(), 1);
    Ok(())
}

#[tokio::test]
async fn a_render_claimed_by_one_node_is_left_alone_by_another_until_it_lets_go() {
    let db = TestDb::new().await.unwrap();
    let (a, b) = (
        ecabinet_storage::Db::connect(&db.url).await.unwrap(),
        ecabinet_storage::Db::connect(&db.url).await.unwrap(),
    );
    let (node_a, node_b) = (
        ecabinet_storage::RenderClaims::new(a.clone()),
        ecabinet_storage::RenderClaims::new(b.clone()),
    );
    assert!(node_a.take(7, 1).await);
    if db.engine() == "postgres" {
        assert!(!node_b.take(7, 1).await, "held by the other node");
        assert!(node_b.take(7, 2).await, "another version is free");
        node_a.release(7, 1).await;
        assert!(node_b.take(7, 1).await, "released");
        // A node that dies lets go with its connection.
        node_b.release(7, 1).await;
        assert!(node_a.take(8, 1).await);
        drop(node_a);
        a.close().await;
        // PostgreSQL drops a session's locks when its backend has exited, which happens
        // a moment after the client hangs up; another node sees the claim free soon.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !node_b.take(8, 1).await {
            assert!(
                std::time::Instant::now() < deadline,
                "still held 10 s after its node closed the connection"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    } else {
        // One SQLite file has one node: every claim is granted.
        assert!(node_b.take(7, 1).await);
    }
}

#[tokio::test]
async fn login_buckets_start_full_keep_what_was_written_and_wait_for_each_other() {
    use ecabinet_storage::TryBucket;
    let db = TestDb::new().await.unwrap();
    let store = Db::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let mut tx = store.write().await.unwrap();
    let got = tx
        .login_buckets(&[("u:bt01", 5.0), ("a:10.0.0.1", 30.0)], 1_000)
        .await
        .unwrap();
    let full = |tokens| TryBucket {
        tokens,
        at_ms: 1_000,
    };
    assert_eq!(got, vec![full(5.0), full(30.0)]);
    let taken = TryBucket {
        tokens: 4.0,
        at_ms: 2_000,
    };
    tx.set_login_bucket("u:bt01", taken).await.unwrap();
    tx.commit().await.unwrap();

    // A second decision on the same bucket waits for the first to end, then sees it.
    let mut first = store.write().await.unwrap();
    assert_eq!(
        first
            .login_buckets(&[("u:bt01", 5.0)], 9_000)
            .await
            .unwrap(),
        vec![taken],
        "read as stored: refilling is the caller's arithmetic"
    );
    let second = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut tx = store.write().await?;
            let b = tx.login_buckets(&[("u:bt01", 5.0)], 9_000).await?;
            tx.commit().await?;
            Ok::<_, ecabinet_storage::StoreError>(b)
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!second.is_finished(), "read while another decision held it");
    let spent = TryBucket {
        tokens: 0.0,
        at_ms: 9_000,
    };
    first.set_login_bucket("u:bt01", spent).await.unwrap();
    first.commit().await.unwrap();
    assert_eq!(second.await.unwrap().unwrap(), vec![spent]);

    // Buckets untouched since before a time are forgotten: here the address's.
    let mut tx = store.write().await.unwrap();
    assert_eq!(tx.forget_login_buckets(1_500).await.unwrap(), 1);
    assert_eq!(
        tx.login_buckets(&[("a:10.0.0.1", 30.0)], 10_000)
            .await
            .unwrap(),
        vec![TryBucket {
            tokens: 30.0,
            at_ms: 10_000
        }],
        "starts full again"
    );
    tx.commit().await.unwrap();
}

/// Access rows logged before they had a kind are named by what they were (an open, the
/// original, a page), and the new kinds are stored beside them.
#[tokio::test]
async fn access_rows_from_before_kinds_keep_what_they_were() -> anyhow::Result<()> {
    use ecabinet_storage::Access;
    let t = TestDb::new().await?;
    let db = Db::connect(&t.url).await?;
    db.migrate_to(11).await?;
    let pool = sqlx::AnyPool::connect(&t.url).await?;
    let (user,): (i64,) = sqlx::query_as(
        "insert into app_user (username, display_name, role, password_hash, created_at) \
         values ('vanthu1', 'Văn thư', 'secretariat', 'x', 0) returning user_id",
    )
    .fetch_one(&pool)
    .await?;
    let (meeting,): (i64,) = sqlx::query_as(
        "insert into meeting (title, kind, starts_at, place, status, quorum_num, quorum_den, \
         created_by, created_at, updated_at) \
         values ('Phiên họp', 'regular', 0, 'Hà Nội', 'draft', 1, 2, $1, 0, 0) \
         returning meeting_id",
    )
    .bind(user)
    .fetch_one(&pool)
    .await?;
    let (doc,): (i64,) = sqlx::query_as(
        "insert into document (meeting_id, title, kind, confidentiality, readers, \
         current_version, created_by, created_at) \
         values ($1, 'Báo cáo Mật', 'report', 'confidential', '{\"kind\":\"participants\"}', 1, $2, 0) \
         returning document_id",
    )
    .bind(meeting)
    .bind(user)
    .fetch_one(&pool)
    .await?;
    for page in [None, Some(0i64), Some(2)] {
        sqlx::query(
            "insert into document_access (document_id, version, user_id, page, at) \
             values ($1, 1, $2, $3, 0)",
        )
        .bind(doc)
        .bind(user)
        .bind(page)
        .execute(&pool)
        .await?;
    }
    pool.close().await;
    db.migrate().await?;

    let mut tx = db.write().await?;
    let u = ecabinet_domain::UserId(user);
    tx.record_open(doc, 1, u, Access::Text(2)).await?;
    tx.record_open(doc, 1, u, Access::Snippet(3)).await?;
    tx.commit().await?;
    let mut tx = db.read().await?;
    let log = tx.document_accesses(doc).await?;
    let log: Vec<(Option<i64>, &str)> = log.iter().map(|(_, p, k)| (*p, k.as_str())).collect();
    assert_eq!(
        log,
        [
            (None, "open"),
            (Some(0), "original"),
            (Some(2), "page"),
            (Some(2), "text"),
            (Some(3), "snippet"),
        ],
        "on {}",
        t.engine()
    );
    Ok(())
}
