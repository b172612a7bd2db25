//! One story of the job queue, told against every backend: real SQLite files and the real
//! PostgreSQL server (127.0.0.1:5432, database `test`), each test in its own schema.

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use store::{Completion, EVERY_RUN, Input, JobStatus, Lease, NewJob, Store};

const NO_EVENTS: &[Arc<str>] = &[];

fn done_at(result: &str, at_ms: i64) -> Completion<'_> {
    Completion {
        status: JobStatus::Finished,
        result,
        at_ms,
        stream_from: 0,
        stream: NO_EVENTS,
    }
}

fn job(id: &str, client: &str, priority: i32, at: i64) -> NewJob {
    NewJob {
        id: id.into(),
        client: client.into(),
        priority,
        request: format!("{{\"id\":\"{id}\"}}"),
        created_at_ms: at,
        owner: None,
    }
}

async fn claims_follow_priority_then_fairness_then_age(store: Store) {
    for (id, client, priority, at) in [
        ("a1", "alice", 0, 1),
        ("a2", "alice", 0, 2),
        ("b1", "bob", 0, 3),
        ("c1", "carol", 10, 4),
    ] {
        store
            .enqueue(&job(id, client, priority, at))
            .await
            .expect("enqueue");
    }
    assert_eq!(store.queue_depth().await.expect("depth"), 4);
    let mut order = Vec::new();
    while let Some(claimed) = store.claim("w1", 100, 30_000).await.expect("claim") {
        assert_eq!(claimed.status, JobStatus::Running);
        assert_eq!(claimed.attempts, 1);
        order.push(claimed.id);
    }
    // carol's high priority first; then alice's oldest; then bob, who has nothing running,
    // before alice's second job.
    assert_eq!(order, ["c1", "a1", "b1", "a2"]);
}

async fn only_the_owner_finishes_a_job(store: Store) {
    store.enqueue(&job("j", "c", 0, 1)).await.expect("enqueue");
    let claimed = store
        .claim("owner", 10, 30_000)
        .await
        .expect("claim")
        .expect("a job");
    assert!(
        !store
            .finish(&claimed.lease("intruder"), &done_at("{}", 20))
            .await
            .expect("finish")
    );
    let stale = Lease {
        attempt: claimed.attempts - 1,
        ..claimed.lease("owner")
    };
    assert!(
        !store
            .finish(&stale, &done_at("{}", 20))
            .await
            .expect("finish"),
        "an earlier attempt of the same worker writes nothing"
    );
    assert!(
        store
            .finish(
                &claimed.lease("owner"),
                &done_at("{\"verdict\":\"ok\"}", 20)
            )
            .await
            .expect("finish")
    );
    let done = store.get("j").await.expect("get").expect("exists");
    assert_eq!(done.status, JobStatus::Finished);
    assert_eq!(done.result.as_deref(), Some("{\"verdict\":\"ok\"}"));
    assert_eq!(
        (done.started_at_ms, done.finished_at_ms),
        (Some(10), Some(20))
    );
    assert!(
        !store
            .finish(&claimed.lease("owner"), &done_at("{}", 30))
            .await
            .expect("finish"),
        "finished once"
    );
}

async fn a_job_whose_worker_died_is_retried_once_then_failed(store: Store) {
    store
        .enqueue(&job("lost", "c", 0, 1))
        .await
        .expect("enqueue");
    let first = store
        .claim("dead-worker", 100, 1_000)
        .await
        .expect("claim")
        .expect("job");
    assert_eq!(first.attempts, 1);
    assert_eq!(
        store.recover_expired(500, 2, "{}").await.expect("recover"),
        0,
        "lease still valid"
    );
    assert!(
        store
            .extend_lease(&first.lease("dead-worker"), 2_000)
            .await
            .expect("extend")
    );
    assert_eq!(
        store
            .recover_expired(2_001, 2, "{\"verdict\":\"internal_error\"}")
            .await
            .expect("recover"),
        1
    );
    assert_eq!(
        store.get("lost").await.expect("get").expect("job").status,
        JobStatus::Queued
    );
    assert!(
        !store
            .extend_lease(&first.lease("dead-worker"), 9_000)
            .await
            .expect("extend"),
        "the lease is gone"
    );
    let second = store
        .claim("w2", 3_000, 1_000)
        .await
        .expect("claim")
        .expect("retried");
    assert_eq!(second.attempts, 2);
    assert_eq!(
        store
            .recover_expired(4_001, 2, "{\"verdict\":\"internal_error\"}")
            .await
            .expect("recover"),
        1
    );
    let failed = store.get("lost").await.expect("get").expect("job");
    assert_eq!(failed.status, JobStatus::Finished);
    assert_eq!(
        failed.result.as_deref(),
        Some("{\"verdict\":\"internal_error\"}")
    );
}

async fn a_queued_job_can_be_cancelled_and_a_running_one_is_left_to_its_worker(store: Store) {
    store.enqueue(&job("q", "c", 0, 1)).await.expect("enqueue");
    store.enqueue(&job("r", "c", 0, 2)).await.expect("enqueue");
    let running = store
        .claim("w", 5, 30_000)
        .await
        .expect("claim")
        .expect("job");
    assert_eq!(running.id, "q");
    assert_eq!(
        store.cancel_queued("r", "{}", 6).await.expect("cancel"),
        Some(JobStatus::Cancelled)
    );
    assert_eq!(
        store.cancel_queued("q", "{}", 6).await.expect("cancel"),
        Some(JobStatus::Running)
    );
    assert_eq!(
        store.cancel_queued("nope", "{}", 6).await.expect("cancel"),
        None
    );
    assert!(
        store.claim("w", 7, 30_000).await.expect("claim").is_none(),
        "a cancelled job never runs"
    );
}

async fn racing_workers_never_claim_a_job_twice(store: Store) {
    for i in 0..40 {
        store
            .enqueue(&job(
                &format!("job{i:02}"),
                &format!("client{}", i % 3),
                0,
                i,
            ))
            .await
            .expect("enqueue");
    }
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                while let Some(job) = store
                    .claim(&format!("w{w}"), 10, 30_000)
                    .await
                    .expect("claim")
                {
                    mine.push(job.id);
                }
                mine
            })
        })
        .collect();
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await.expect("worker"));
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 40, "every job claimed");
    assert_eq!(unique.len(), 40, "no job claimed twice");
}

async fn finished_jobs_past_retention_are_purged(store: Store) {
    store
        .enqueue(&job("old", "c", 0, 1))
        .await
        .expect("enqueue");
    store
        .enqueue(&job("new", "c", 0, 2))
        .await
        .expect("enqueue");
    for at in [10, 20] {
        let claimed = store
            .claim("w", at, 30_000)
            .await
            .expect("claim")
            .expect("job");
        let last: Vec<Arc<str>> = vec![r#"{"type":"result"}"#.into()];
        let end = Completion {
            stream: &last,
            ..done_at("{}", at)
        };
        assert!(
            store
                .finish(&claimed.lease("w"), &end)
                .await
                .expect("finish")
        );
    }
    assert_eq!(store.purge_finished(15).await.expect("purge"), 1);
    assert!(store.get("old").await.expect("get").is_none());
    let stream = |id: &'static str| {
        let store = store.clone();
        async move { store.stream_since(id, 0, 10).await.expect("stream") }
    };
    assert!(stream("old").await.is_empty(), "purged with its run");
    assert_eq!(stream("new").await.len(), 1);
    assert!(store.get("new").await.expect("get").is_some());
}

async fn a_stale_attempt_writes_nothing_and_the_attempt_that_won_keeps_its_record(store: Store) {
    store.enqueue(&job("r", "c", 0, 1)).await.expect("enqueue");
    let first = store
        .claim("slow", 10, 1_000)
        .await
        .expect("claim")
        .expect("job");
    // The slow worker is presumed dead; the job is retried and the retry wins.
    assert_eq!(
        store
            .recover_expired(2_000, 2, "{}")
            .await
            .expect("recover"),
        1
    );
    let second = store
        .claim("slow", 2_100, 30_000)
        .await
        .expect("claim")
        .expect("retried");
    let retried: Vec<Arc<str>> = vec![r#"{"type":"stdout","data":"retried"}"#.into()];
    let won = Completion {
        stream: &retried,
        ..done_at(r#"{"verdict":"ok"}"#, 3_000)
    };
    assert!(
        store
            .finish(&second.lease("slow"), &won)
            .await
            .expect("finish")
    );
    // The first attempt ends late, under the same worker name: it must not overwrite anything.
    let late: Vec<Arc<str>> = vec![r#"{"type":"stdout","data":"first"}"#.into()];
    let stale = Completion {
        stream_from: 1,
        stream: &late,
        ..done_at(r#"{"verdict":"time_limit"}"#, 4_000)
    };
    assert!(
        !store
            .extend_lease(&first.lease("slow"), 9_000)
            .await
            .expect("extend"),
        "the stale attempt has lost its lease"
    );
    assert!(
        !store
            .finish(&first.lease("slow"), &stale)
            .await
            .expect("finish")
    );
    let kept = store.stream_since("r", 0, 10).await.expect("read");
    assert_eq!(
        kept,
        [(0, r#"{"type":"stdout","data":"retried"}"#.to_string())],
        "only the attempt that won wrote its end"
    );
    let job = store.get("r").await.expect("get").expect("job");
    assert_eq!(job.result.as_deref(), Some(r#"{"verdict":"ok"}"#));
    assert_eq!(job.finished_at_ms, Some(3_000));
}

async fn a_snippet_is_kept_and_its_id_is_never_reused(store: Store) {
    let snippet = store::Snippet {
        id: "abc".into(),
        body: r#"{"language":"python"}"#.into(),
        created_at_ms: 7,
        owner: Some("u1".into()),
    };
    assert!(store.insert_snippet(&snippet).await.expect("insert"));
    let other = store::Snippet {
        body: r#"{"language":"c"}"#.into(),
        ..snippet.clone()
    };
    assert!(!store.insert_snippet(&other).await.expect("insert taken"));
    assert_eq!(store.snippet("abc").await.expect("read"), Some(snippet));
    assert_eq!(store.snippet("nope").await.expect("read"), None);
}

async fn the_live_stream_is_written_by_the_lease_holder_and_read_in_order_anywhere(store: Store) {
    store
        .enqueue(&job("live", "c", 0, 1))
        .await
        .expect("enqueue");
    let claimed = store
        .claim("w", 10, 30_000)
        .await
        .expect("claim")
        .expect("job");
    let lease = claimed.lease("w");
    let mut bell = store.doorbell();
    let events = |texts: &[&str]| -> Vec<Arc<str>> { texts.iter().map(|t| (*t).into()).collect() };
    assert_eq!(store.next_stream_seq("live").await.expect("seq"), 0);
    assert!(
        store
            .append_stream(&lease, 0, &events(&["a", "b"]))
            .await
            .expect("append")
    );
    let rang = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let ring = bell.recv().await.expect("doorbell");
            if &*ring == "live" || &*ring == EVERY_RUN {
                return ring;
            }
        }
    })
    .await
    .expect("the doorbell rang for the run");
    assert!(!rang.is_empty());
    assert!(
        store
            .append_stream(&lease, 2, &events(&["c"]))
            .await
            .expect("append")
    );
    assert_eq!(store.next_stream_seq("live").await.expect("seq"), 3);
    assert_eq!(
        store.stream_since("live", 1, 10).await.expect("read"),
        [(1, "b".to_string()), (2, "c".to_string())]
    );
    assert_eq!(
        store.stream_since("live", 0, 2).await.expect("read").len(),
        2
    );
    let stale = Lease {
        attempt: claimed.attempts - 1,
        ..lease.clone()
    };
    assert!(
        !store
            .append_stream(&stale, 3, &events(&["stale"]))
            .await
            .expect("append"),
        "a stale attempt writes nothing"
    );
    assert_eq!(store.next_stream_seq("live").await.expect("seq"), 3);
    store
        .push_input("live", &Input::Stdin("x\n".into()))
        .await
        .expect("input");
    store.push_input("live", &Input::Eof).await.expect("eof");
    let inputs = store.inputs_since("live", 0).await.expect("inputs");
    assert_eq!(
        inputs.iter().map(|(_, i)| i.clone()).collect::<Vec<_>>(),
        [Input::Stdin("x\n".into()), Input::Eof]
    );
    assert_eq!(
        store
            .inputs_since("live", inputs[0].0)
            .await
            .expect("inputs")
            .len(),
        1
    );
    assert!(
        store
            .inputs_since("other", 0)
            .await
            .expect("inputs")
            .is_empty()
    );
}

story!(
    claims_follow_priority_then_fairness_then_age,
    only_the_owner_finishes_a_job,
    a_job_whose_worker_died_is_retried_once_then_failed,
    a_queued_job_can_be_cancelled_and_a_running_one_is_left_to_its_worker,
    racing_workers_never_claim_a_job_twice,
    finished_jobs_past_retention_are_purged,
    a_stale_attempt_writes_nothing_and_the_attempt_that_won_keeps_its_record,
    a_snippet_is_kept_and_its_id_is_never_reused,
    the_live_stream_is_written_by_the_lease_holder_and_read_in_order_anywhere,
);

#[tokio::test]
async fn an_unsupported_url_is_refused_clearly() {
    let err = Store::connect("mysql://app:hunter2@db/x")
        .await
        .expect_err("refused")
        .to_string();
    assert!(err.contains("use sqlite://PATH or postgres://"), "{err}");
    assert!(err.contains("\"mysql\""), "{err}");
    assert!(
        !err.contains("hunter2"),
        "a password in the URL reached the message: {err}"
    );
}

#[tokio::test]
async fn a_database_from_before_a_column_existed_gets_it_at_start_up() {
    let path = std::env::temp_dir().join(format!("{}.sqlite", support::unique("old-schema")));
    let url = format!("sqlite://{}", path.display());
    let old = Store::connect(&url).await.expect("create");
    old.execute_raw("ALTER TABLE jobs DROP COLUMN cancel_requested")
        .await
        .expect("simulate the old schema");
    drop(old);
    let store = Store::connect(&url).await.expect("migrate");
    store.enqueue(&job("j", "c", 0, 1)).await.expect("enqueue");
    store
        .claim("w", 2, 30_000)
        .await
        .expect("claim")
        .expect("job");
    assert!(store.request_cancel("j").await.expect("request"));
    assert!(store.cancel_requested("j").await.expect("read"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

async fn a_cancel_asked_anywhere_is_seen_by_the_worker(store: Store) {
    store.enqueue(&job("c1", "c", 0, 1)).await.expect("enqueue");
    assert!(
        !store.request_cancel("c1").await.expect("request"),
        "only a running run can be asked to stop"
    );
    store
        .claim("w", 2, 30_000)
        .await
        .expect("claim")
        .expect("job");
    assert!(!store.cancel_requested("c1").await.expect("read"));
    assert!(store.request_cancel("c1").await.expect("request"));
    assert!(store.cancel_requested("c1").await.expect("read"));
}

mod cancel_requests {
    use super::*;

    #[tokio::test]
    async fn on_sqlite() {
        let db = support::open(store::Backend::Sqlite, "cancel").await;
        a_cancel_asked_anywhere_is_seen_by_the_worker(db.store.clone()).await;
        db.cleanup().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        let db = support::open(store::Backend::Postgres, "cancel").await;
        a_cancel_asked_anywhere_is_seen_by_the_worker(db.store.clone()).await;
        db.cleanup().await;
    }
}
