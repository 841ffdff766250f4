//! The "Load" cases that a single process can stage, loopback only and bounded in requests and
//! time: overload is shed quickly (503/429 with `Retry-After`, not time-outs), and slow clients
//! are cut off by the server's time-outs without hurting the others. The time bounds are
//! correctness properties (an answer well before a client's own time-out), not benchmarks.

use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// Longest a refusal may take: far under any client time-out (the widget gives up after 10 s),
/// far over the server's own waits (200 ms here), and loose enough for a loaded 2-core CI machine
/// running the suite in parallel. A correctness bound ("promptly, not after a time-out"), not a
/// performance target: those are in `cargo xtask bench`.
const PROMPT: Duration = Duration::from_secs(3);

#[tokio::test]
async fn submissions_get_503_with_retry_after_promptly_while_the_database_is_held_and_forms_still_work()
-> anyhow::Result<()> {
    let app = spawn_app_with(|s| {
        s.database.pool_size = 1;
        s.database.timeout_ms = 200;
        s.postgres_writers = 1;
    })
    .await?;
    let mut tickets = Vec::new();
    for _ in 0..9 {
        tickets.push(app.ticket().await?);
    }
    // The writer's connection and the only other one.
    let held = (app.writer_conn()?, app.conn()?);
    // Eight at once: each waits for the pool at most its timeout, none for the others.
    let started = Instant::now();
    let app = &app;
    let answers = futures_util::future::join_all(
        tickets[1..]
            .iter()
            .map(|t| async move { (app.submit(t, &valid_body()).await, started.elapsed()) }),
    )
    .await;
    for (response, took) in answers {
        let response = response?;
        assert!(took < PROMPT, "a 503 took {took:?}");
        assert!(response.headers().get("retry-after").is_some());
        expect_problem(response, 503, "/problems/service-unavailable").await?;
    }
    // Forms come from the in-memory registry: the database being unavailable does not stop them.
    let started = Instant::now();
    let form = app.get_form("inps-naspi", Some(INPS_ORIGIN), "").await?;
    assert!(started.elapsed() < PROMPT, "{:?}", started.elapsed());
    assert_eq!(form.status(), 200);
    drop(held);
    assert_eq!(app.count_responses()?, 0);
    let response = app.submit(&tickets[0], &valid_body()).await?;
    assert_eq!(response.status(), 201);
    assert_eq!(app.count_responses()?, 1);
    Ok(())
}

#[tokio::test]
async fn a_burst_above_the_per_client_limit_gets_429_with_retry_after_promptly()
-> anyhow::Result<()> {
    let app = spawn_app_with(|s| {
        s.rate_limit.burst = 5;
        s.rate_limit.per_minute = 1;
    })
    .await?;
    let answers = futures_util::future::join_all((0..30).map(|_| async {
        let started = Instant::now();
        let response = app.get_form("inps-naspi", Some(INPS_ORIGIN), "").await;
        (response, started.elapsed())
    }))
    .await;
    let (mut served, mut refused) = (0, 0);
    for (response, took) in answers {
        let response = response?;
        match response.status().as_u16() {
            200 => served += 1,
            429 => {
                assert!(took < PROMPT, "a 429 took {took:?}");
                let wait: u64 = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_default();
                assert!((1..=60).contains(&wait), "Retry-After {wait}");
                expect_problem(response, 429, "/problems/rate-limited").await?;
                refused += 1;
            }
            other => anyhow::bail!("unexpected {other}"),
        }
    }
    assert_eq!((served, refused), (5, 25));
    // The limit costs the database nothing: refusals are prompt even while it is saturated.
    let held: Vec<_> = (0..app.settings.database.pool_size)
        .map(|_| app.conn())
        .collect::<Result<_, _>>()?;
    let started = Instant::now();
    let response = app.get_form("inps-naspi", Some(INPS_ORIGIN), "").await?;
    assert!(started.elapsed() < PROMPT, "{:?}", started.elapsed());
    assert_eq!(response.status(), 429);
    drop(held);
    Ok(())
}

/// Sends `head` a few bytes at a time, `gap` apart, then keeps trickling `trickle` the same way;
/// returns what the server sent, how long after connecting its answer began, and how long after
/// connecting it closed the connection (`None` if it still had not after `limit`).
async fn trickle(
    port: u16,
    head: Vec<u8>,
    trickle: Vec<u8>,
    gap: Duration,
    limit: Duration,
) -> anyhow::Result<(String, Option<Duration>, Option<Duration>)> {
    let started = Instant::now();
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        for chunk in head.chunks(if trickle.is_empty() { 4 } else { head.len() }) {
            if writer.write_all(chunk).await.is_err() {
                return;
            }
            tokio::time::sleep(gap).await;
        }
        for byte in trickle {
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(gap).await;
        }
    });
    let mut received = Vec::new();
    let mut answered = None;
    let closed = tokio::time::timeout(limit, async {
        let mut buf = [0_u8; 4096];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => return started.elapsed(),
                Ok(n) => {
                    answered.get_or_insert_with(|| started.elapsed());
                    received.extend_from_slice(&buf[..n]);
                }
            }
        }
    })
    .await
    .ok();
    writing.abort();
    Ok((
        String::from_utf8_lossy(&received).into_owned(),
        answered,
        closed,
    ))
}

#[tokio::test]
async fn slow_clients_are_cut_off_by_the_request_timeout_without_hurting_others()
-> anyhow::Result<()> {
    // The server may fire its timer a little early (timer granularity): 0.9 × is "on time".
    let timeout = Duration::from_millis(1000);
    let app = spawn_app_with(|s| s.client_request_timeout_ms = 1000).await?;
    let port: u16 = app.address.rsplit(':').next().unwrap_or_default().parse()?;
    // Never ends within the limit on its own: 7.5 s of head, 8 s of body.
    let gap = Duration::from_millis(100);
    let limit = Duration::from_secs(5);
    let slow_head = format!(
        "POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: {}\r\n\r\n",
        "a".repeat(260)
    )
    .into_bytes();
    let mut slowloris = Vec::new();
    for _ in 0..3 {
        slowloris.push(tokio::spawn(trickle(
            port,
            slow_head.clone(),
            Vec::new(),
            gap,
            limit,
        )));
    }
    let ticket = app.ticket().await?;
    let body = valid_body().to_string().into_bytes();
    let slow_body_head = format!(
        "POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {INPS_ORIGIN}\r\n\
         Authorization: Bearer {ticket}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let slow_body = tokio::spawn(trickle(port, slow_body_head.into_bytes(), body, gap, limit));

    // Meanwhile a normal citizen is served promptly.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let normal = app.ticket().await?;
    let response = app.submit(&normal, &valid_body()).await?;
    assert_eq!(response.status(), 201);
    // Two requests, served while the slow clients still hold their connections.
    assert!(started.elapsed() < PROMPT, "{:?}", started.elapsed());

    // A slow head is answered 408 and dropped at the time-out.
    for slow in slowloris {
        let (received, answered, closed) = slow.await??;
        let closed = closed.context("a slowloris connection was never closed")?;
        assert!(
            closed >= timeout * 9 / 10 && closed < limit,
            "closed after {closed:?}"
        );
        assert!(answered.is_some_and(|t| t <= closed), "{answered:?}");
        assert!(received.starts_with("HTTP/1.1 408"), "{received}");
    }
    // A slow body is answered 408 at the time-out; the connection is then closed, at the latest
    // when the disconnect time-out (2 s) for a client that keeps sending has passed too.
    let (received, answered, closed) = slow_body.await??;
    let answered = answered.context("a slow body was never answered")?;
    assert!(
        answered >= timeout * 9 / 10 && answered < timeout * 2,
        "answered after {answered:?}"
    );
    closed.context("a slow body's connection was never closed")?;
    assert!(received.starts_with("HTTP/1.1 408"), "{received}");
    assert!(received.contains("connection: close"), "{received}");
    assert!(received.contains("/problems/request-timeout"), "{received}");
    // Only the normal citizen's response is stored; the slow body stored nothing.
    assert_eq!(app.count_responses()?, 1);
    Ok(())
}

#[tokio::test]
async fn forms_and_refused_submissions_make_no_database_call() -> anyhow::Result<()> {
    // Counts are flushed and the registry checked by the background thread only: long intervals
    // keep it out of the window measured here.
    let app = spawn_app_with(|s| {
        s.counts_flush_ms = 3_600_000;
        s.registry_refresh_secs = 3_600;
        s.rate_limit.burst = 40;
        s.rate_limit.per_minute = 1;
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = app.pool.checkouts();
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let ticket = app.ticket().await?;
        statuses.push(
            app.get_form("inps-naspi", Some(INPS_ORIGIN), "?locale=de")
                .await?
                .status()
                .as_u16(),
        );
        let invalid = serde_json::json!({"answers": {"valutazione": 9}, "locale": "it"});
        statuses.push(app.submit(&ticket, &invalid).await?.status().as_u16());
        statuses.push(
            app.submit("not-a-ticket", &valid_body())
                .await?
                .status()
                .as_u16(),
        );
    }
    for _ in 0..20 {
        statuses.push(
            app.get_form("inps-naspi", Some(INPS_ORIGIN), "")
                .await?
                .status()
                .as_u16(),
        );
    }
    for code in [200, 401, 422, 429] {
        assert!(statuses.contains(&code), "{code} missing from {statuses:?}");
    }
    assert_eq!(
        app.pool.checkouts(),
        before,
        "no request above took a pooled connection"
    );
    // The counts of all that reach the database at the next flush.
    app.flush_counts()?;
    assert!(app.pool.checkouts() > before);
    assert_eq!(app.rejections("invalid_answers")?, 10);
    Ok(())
}
