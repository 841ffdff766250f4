//! Two collectors on one database and one key directory, requests alternating between them, as
//! behind a load balancer: tickets, replays and registry imports work across replicas.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_ticket_from_one_replica_stores_once_whichever_replica_gets_the_retries()
-> anyhow::Result<()> {
    let first = spawn_app().await?;
    let second = first.replica().await?;
    let ticket = first.ticket().await?;
    let created = second.submit(&ticket, &valid_body()).await?;
    assert_eq!(created.status(), 201);
    let receipt: voce_shared::api::Receipt = created.json().await?;
    let replay = first.submit(&ticket, &valid_body()).await?;
    assert_eq!(replay.status(), 200);
    assert_eq!(replay.json::<voce_shared::api::Receipt>().await?, receipt);
    let other = json!({"answers": {"valutazione": 1}, "locale": "it"});
    assert_eq!(second.submit(&ticket, &other).await?.status(), 409);
    assert_eq!(first.count_responses()?, 1);
    Ok(())
}

#[tokio::test]
async fn the_same_ticket_sent_to_both_replicas_at_once_stores_one_row() -> anyhow::Result<()> {
    let first = spawn_app().await?;
    let second = first.replica().await?;
    for _ in 0..10 {
        let (ticket, body) = (first.ticket().await?, valid_body());
        let (a, b) = tokio::join!(first.submit(&ticket, &body), second.submit(&ticket, &body));
        let (a, b) = (a?, b?);
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 201]);
        let (a, b): (voce_shared::api::Receipt, voce_shared::api::Receipt) =
            (a.json().await?, b.json().await?);
        assert_eq!(a, b, "both answers name the one stored response");
    }
    assert_eq!(first.count_responses()?, 10);
    Ok(())
}

#[tokio::test]
async fn a_registry_import_on_one_replica_is_served_by_the_other_within_seconds()
-> anyhow::Result<()> {
    let first = spawn_app().await?;
    let second = first.replica().await?;
    let (service, origin) = ("c-l219-pagamento-142", "https://www.comune.torino.it");
    let before = second.get_form(service, Some(origin), "").await?;
    assert_ne!(
        before.status(),
        200,
        "{service} is not in the pilot registry"
    );
    import_file(&first.pool, "national.toml")?;
    let started = std::time::Instant::now();
    loop {
        let status = second.get_form(service, Some(origin), "").await?.status();
        if status == 200 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "the other replica still answers {status} after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Ok(())
}

/// The `kid` in a ticket's header.
fn kid_of(ticket: &str) -> anyhow::Result<String> {
    use base64::Engine;
    let header = ticket.split('.').next().unwrap_or_default();
    let json: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header)?)?;
    Ok(json["kid"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_key_added_on_disk_signs_on_both_replicas_without_a_restart_and_old_tickets_still_verify()
-> anyhow::Result<()> {
    let first = spawn_app_with(|s| {
        s.keys_reload_secs = 1;
        s.keys_sign_delay_secs = 1;
    })
    .await?;
    let second = first.replica().await?;
    let old_ticket = first.ticket().await?;
    let old_kid = kid_of(&old_ticket)?;
    // Key ids carry the second they were made in: make the new one a second later.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (new_key, _) = voce_collector::auth::keys::generate(&first.settings.keys_dir)?;
    let started = std::time::Instant::now();
    for replica in [&first, &second] {
        loop {
            let kid = kid_of(&replica.ticket().await?)?;
            if kid == new_key.kid {
                break;
            }
            assert_eq!(kid, old_kid);
            assert!(
                started.elapsed() < std::time::Duration::from_secs(8),
                "{} still signs with the old key",
                replica.address
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
    assert_eq!(
        second.submit(&old_ticket, &valid_body()).await?.status(),
        201
    );
    Ok(())
}
