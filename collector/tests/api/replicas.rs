//! Scale-out: two `voce-collector serve` processes on different ports sharing one database (a
//! fresh PostgreSQL database in the PostgreSQL run, one SQLite file in the SQLite run) and one key
//! directory, requests alternating between them as behind a load balancer. A ticket issued by one
//! is accepted by the other, a replay on the other gets the same receipt and a changed body
//! `409` with exactly one row, counts flushed by both add up, a registry import is served by both
//! within seconds, a key added on disk is picked up by both without a restart (one on `SIGHUP`,
//! one on its timer) while tickets of the previous key still verify, and one replica killed under
//! load loses no acknowledged response while the other keeps accepting. The processes are run
//! by the harness of `process.rs`.
#![cfg(unix)]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use voce_shared::api::Receipt;

use crate::helpers::*;
use crate::process::*;

/// Two replicas of one fresh site, both serving; `configure` sets each one's environment.
async fn two_replicas(
    configure: impl Fn(Collector) -> Collector,
) -> anyhow::Result<(Collector, Collector)> {
    let site = Site::prepare()?;
    let mut first = configure(site.collector("replica-1")?);
    let mut second = configure(site.collector("replica-2")?);
    first.serve().await?;
    second.serve().await?;
    Ok((first, second))
}

fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?)
}

/// `GET /v1/forms/{service}` on `address` from `origin`.
async fn form(
    client: &reqwest::Client,
    address: &str,
    service: &str,
    origin: &str,
) -> anyhow::Result<reqwest::Response> {
    Ok(client
        .get(format!("{address}/v1/forms/{service}?locale=it"))
        .header("Origin", origin)
        .send()
        .await?)
}

/// A fresh ticket for `inps-naspi` from `address`.
async fn ticket(client: &reqwest::Client, address: &str) -> anyhow::Result<String> {
    let response = form(client, address, "inps-naspi", INPS_ORIGIN).await?;
    anyhow::ensure!(response.status() == 200, "form: {}", response.status());
    let form: Value = response.json().await?;
    form["ticket"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("the form has no ticket: {form}"))
}

/// `POST /v1/responses` of `body` with `ticket` on `address`.
async fn post(
    client: &reqwest::Client,
    address: &str,
    ticket: &str,
    body: &Value,
) -> anyhow::Result<reqwest::Response> {
    Ok(client
        .post(format!("{address}/v1/responses"))
        .header("Authorization", format!("Bearer {ticket}"))
        .header("Origin", INPS_ORIGIN)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_issued_by_one_replica_is_accepted_by_the_other_and_its_replays_give_one_row()
-> anyhow::Result<()> {
    let (first, second) = two_replicas(|c| c).await?;
    let client = client()?;
    let ticket = ticket(&client, &first.address()).await?;
    let created = post(&client, &second.address(), &ticket, &valid_body()).await?;
    assert_eq!(created.status(), 201);
    let receipt: Receipt = created.json().await?;
    // The retry of the same body on the other replica: the first receipt.
    let replay = post(&client, &first.address(), &ticket, &valid_body()).await?;
    assert_eq!(replay.status(), 200);
    assert_eq!(replay.json::<Receipt>().await?, receipt);
    // Another body with the same ticket: 409 on both.
    let other = json!({"answers": {"valutazione": 1}, "locale": "it"});
    for replica in [&first, &second] {
        let changed = post(&client, &replica.address(), &ticket, &other).await?;
        assert_eq!(changed.status(), 409, "on {}", replica.address());
    }
    let stored = first.stored()?;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored.get(&receipt.response_id).map(String::as_str),
        claims_of(&ticket)?["jti"].as_str()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_ticket_sent_to_both_replicas_at_once_stores_one_row() -> anyhow::Result<()> {
    let (first, second) = two_replicas(|c| c).await?;
    let client = client()?;
    let (a_address, b_address) = (first.address(), second.address());
    for i in 0..10 {
        // Tickets from either replica, alternately.
        let issuer = if i % 2 == 0 { &a_address } else { &b_address };
        let (ticket, body) = (ticket(&client, issuer).await?, valid_body());
        let (a, b) = tokio::join!(
            post(&client, &a_address, &ticket, &body),
            post(&client, &b_address, &ticket, &body)
        );
        let (a, b) = (a?, b?);
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 201]);
        let (a, b): (Receipt, Receipt) = (a.json().await?, b.json().await?);
        assert_eq!(a, b, "both answers name the one stored response");
    }
    let stored = first.stored()?;
    assert_eq!(stored.len(), 10);
    assert_eq!(stored.values().collect::<HashSet<_>>().len(), 10);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_responses_and_refusals_counted_by_both_replicas_add_up_once_in_the_database()
-> anyhow::Result<()> {
    let (mut first, mut second) =
        two_replicas(|c| c.with_env("VOCE_COUNTS_FLUSH_MS", "200")).await?;
    let client = client()?;
    let (a, b) = (first.address(), second.address());
    // Each replica issues 6 tickets whose responses go to the other, and refuses 2 forms asked
    // from another body's page.
    for _ in 0..6 {
        for (issuer, receiver) in [(&a, &b), (&b, &a)] {
            let ticket = ticket(&client, issuer).await?;
            let response = post(&client, receiver, &ticket, &valid_body()).await?;
            assert_eq!(response.status(), 201);
        }
    }
    for address in [&a, &b] {
        for _ in 0..2 {
            let refused = form(&client, address, "inps-naspi", INAIL_ORIGIN).await?;
            assert_eq!(refused.status(), 403);
        }
    }
    let pool = first.site.pool()?;
    let read = || -> anyhow::Result<((i64, i64), i64)> {
        let mut conn = pool.get()?;
        Ok((
            voce_devtools::totals::service_totals(&mut conn, "inps-naspi")?,
            voce_collector::db::counters::rejections(&mut conn, "origin_not_allowed")?,
        ))
    };
    // Each replica flushes its own counts on its timer.
    let started = Instant::now();
    loop {
        let counted = read()?;
        if counted == ((12, 12), 4) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "counted {counted:?} after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A graceful stop flushes what is pending, and nothing twice.
    for replica in [&first, &second] {
        replica.signal("TERM")?;
    }
    for replica in [&mut first, &mut second] {
        let status = replica.wait(Duration::from_secs(15)).await?;
        assert!(status.success(), "{status}\n{}", replica.log());
    }
    assert_eq!(read()?, ((12, 12), 4));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_import_next_to_the_replicas_is_served_by_both_within_seconds()
-> anyhow::Result<()> {
    let (first, second) = two_replicas(|c| c.with_env("VOCE_REGISTRY_REFRESH_SECS", "1")).await?;
    let client = client()?;
    let (service, origin) = ("c-l219-pagamento-142", "https://www.comune.torino.it");
    for replica in [&first, &second] {
        let before = form(&client, &replica.address(), service, origin).await?;
        assert_ne!(
            before.status(),
            200,
            "{service} is not in the pilot registry"
        );
    }
    first.site.import("national.toml")?;
    let imported = Instant::now();
    for replica in [&first, &second] {
        loop {
            let status = form(&client, &replica.address(), service, origin)
                .await?
                .status();
            if status == 200 {
                break;
            }
            assert!(
                imported.elapsed() < Duration::from_secs(5),
                "{} still answers {status} {:?} after the import",
                replica.address(),
                imported.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // A ticket of the new service from one is accepted by the other.
    let response = form(&client, &first.address(), service, origin).await?;
    let form: Value = response.json().await?;
    let ticket = form["ticket"].as_str().unwrap_or_default().to_owned();
    anyhow::ensure!(!ticket.is_empty(), "no ticket: {form}");
    let created = client
        .post(format!("{}/v1/responses", second.address()))
        .header("Authorization", format!("Bearer {ticket}"))
        .header("Origin", origin)
        .header("Content-Type", "application/json")
        .body(json!({"answers": {"valutazione": 4}, "locale": "it"}).to_string())
        .send()
        .await?;
    let status = created.status();
    assert_eq!(status, 201, "{}", created.text().await?);
    Ok(())
}

/// A ticket for `inps-naspi` signed with `key`: the claims of a real (unused) ticket with a new
/// `jti`, under a header naming `key`.
fn signed_with(key: &voce_collector::auth::keys::TicketKey, like: &str) -> anyhow::Result<String> {
    let mut header = header_of(like)?;
    header["kid"] = json!(key.kid);
    let mut claims = claims_of(like)?;
    claims["jti"] = json!(uuid::Uuid::new_v4().simple().to_string());
    sign_hs256(&header, &claims, key.secret())
}

/// How long a new key verifies before it signs, in the rotation test.
const SIGN_DELAY: Duration = Duration::from_secs(6);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_added_on_disk_verifies_on_both_replicas_before_either_signs_and_old_tickets_still_verify()
-> anyhow::Result<()> {
    let site = Site::prepare()?;
    let delay = SIGN_DELAY.as_secs().to_string();
    // Replica 1 reads the key directory on SIGHUP only; replica 2 on its one-second timer.
    let mut first = site
        .collector("replica-1")?
        .with_env("VOCE_KEYS_RELOAD_SECS", "3600")
        .with_env("VOCE_KEYS_SIGN_DELAY_SECS", &delay);
    let mut second = site
        .collector("replica-2")?
        .with_env("VOCE_KEYS_RELOAD_SECS", "1")
        .with_env("VOCE_KEYS_SIGN_DELAY_SECS", &delay);
    first.serve().await?;
    second.serve().await?;
    let client = client()?;
    let (a, b) = (first.address(), second.address());
    let old_tickets = [ticket(&client, &a).await?, ticket(&client, &b).await?];
    let old_kid = header_of(&old_tickets[0])?["kid"].clone();
    assert_eq!(header_of(&old_tickets[1])?["kid"], old_kid);

    // Key ids carry the second they were made in: make the new one a second later.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (new_key, _) = voce_collector::auth::keys::generate(&site.keys_dir())?;
    let added = Instant::now();
    first.signal("HUP")?;

    // The new key verifies on both (a ticket signed with it is accepted) …
    for address in [&a, &b] {
        let forged = signed_with(&new_key, &ticket(&client, address).await?)?;
        loop {
            let status = post(&client, address, &forged, &valid_body())
                .await?
                .status();
            if status == 201 {
                break;
            }
            assert_eq!(status, 401, "{address}");
            assert!(
                added.elapsed() < Duration::from_secs(3),
                "{address} does not verify the new key after {:?}",
                added.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // … while neither signs with it yet.
    for address in [&a, &b] {
        assert_eq!(header_of(&ticket(&client, address).await?)?["kid"], old_kid);
    }
    assert!(
        added.elapsed() < SIGN_DELAY,
        "the checks above took {:?}",
        added.elapsed()
    );

    // After the delay both sign with it: replica 1 at a SIGHUP, replica 2 at its timer.
    for (replica, address) in [(&first, &a), (&second, &b)] {
        loop {
            if replica.port == first.port {
                replica.signal("HUP")?;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let kid = header_of(&ticket(&client, address).await?)?["kid"].clone();
            if kid == json!(new_key.kid) {
                break;
            }
            assert_eq!(kid, old_kid);
            assert!(
                added.elapsed() < SIGN_DELAY + Duration::from_secs(5),
                "{address} still signs with the old key after {:?}",
                added.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
    }
    // Tickets signed with the previous key still verify, on the other replica too; so do the new
    // ones, across replicas.
    for (old, address) in old_tickets.iter().zip([&b, &a]) {
        assert_eq!(
            post(&client, address, old, &valid_body()).await?.status(),
            201
        );
    }
    let new_ticket = ticket(&client, &b).await?;
    assert_eq!(
        post(&client, &a, &new_ticket, &valid_body())
            .await?
            .status(),
        201
    );
    assert!(first.is_running() && second.is_running(), "no restart");
    Ok(())
}

/// Replica 1 is killed with `kill -9` while clients alternate between the two; replica 2 goes on
/// accepting during the load, takes the retries of the submissions the kill cut, and no
/// acknowledged response is lost or doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn when_one_replica_is_killed_under_load_the_other_keeps_accepting_and_nothing_is_lost()
-> anyhow::Result<()> {
    let (mut first, mut second) = two_replicas(|c| c).await?;
    let (a, b) = (first.address(), second.address());
    let mut child = first.take_child()?;
    let pid = child.id();
    let reaper = std::thread::spawn(move || child.wait());
    let (attempts, refusals) =
        load_then(&[a.clone(), b.clone()], move || signal(pid, "KILL")).await?;
    let status = reaper
        .join()
        .map_err(|_| anyhow::anyhow!("the reaper panicked"))??;
    assert!(!status.success(), "replica 1 was not killed: {status}");

    let acknowledged_by = |address: &str, after_stop: bool| {
        attempts
            .iter()
            .filter(|t| {
                t.address == address
                    && t.after_stop == after_stop
                    && matches!(t.outcome, Outcome::Acknowledged(_))
            })
            .count()
    };
    assert!(
        acknowledged_by(&a, false) > 0 && acknowledged_by(&b, false) > 0,
        "the load went to both replicas"
    );
    assert!(
        acknowledged_by(&b, true) > 0,
        "replica 2 accepted nothing once replica 1 was killed"
    );

    // Everything either replica acknowledged is stored; replica 2 takes the retries of the rest.
    let unacknowledged = check_outcomes(&attempts, &refusals, &first.stored()?)?;
    let client = client()?;
    for attempt in &unacknowledged {
        let response = submit(&client, &b, &attempt.ticket).await?;
        let status = response.status().as_u16();
        assert!(
            status == 201 || status == 200,
            "retry on replica 2: {status}"
        );
    }
    // And it keeps serving new citizens.
    for _ in 0..20 {
        match round(&client, &b).await {
            Round::Submitted(Attempt {
                outcome: Outcome::Acknowledged(_),
                ..
            }) => {}
            Round::Submitted(t) => anyhow::bail!("replica 2 after the kill: {:?}", t.outcome),
            Round::NoForm(o) => anyhow::bail!("a form from replica 2 after the kill: {o:?}"),
        }
    }
    let stored = second.stored()?;
    check_outcomes(&attempts, &refusals, &stored)?;
    // One response per ticket, whichever replica stored it.
    let tickets: HashSet<&String> = stored.values().collect();
    assert_eq!(tickets.len(), stored.len(), "a ticket stored twice");
    let acknowledged = attempts
        .iter()
        .filter(|t| matches!(t.outcome, Outcome::Acknowledged(_)))
        .count();
    assert_eq!(stored.len(), acknowledged + unacknowledged.len() + 20);
    assert!(second.is_running(), "{}", second.log());
    Ok(())
}
