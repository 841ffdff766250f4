//! The per-client rate limit: a token bucket per client, where the client is known only by an
//! HMAC of its address under a random secret that is replaced every UTC day (and the buckets with
//! it). The address itself is never stored, logged or kept past the request. `X-Forwarded-For` is
//! read only when the peer is a configured trusted proxy.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::configuration::RateLimitSettings;
use crate::error::ApiError;
use crate::metrics::Metrics;

type ClientKey = [u8; 16];

/// The limiter shared by every worker.
pub struct RateLimiter {
    settings: RateLimitSettings,
    state: Mutex<State>,
}

struct State {
    day: String,
    secret: [u8; 32],
    buckets: HashMap<ClientKey, Bucket>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

fn fresh_secret() -> [u8; 32] {
    let mut secret = [0_u8; 32];
    rand::rng().fill_bytes(&mut secret);
    secret
}

impl RateLimiter {
    /// A limiter with no client seen yet.
    pub fn new(settings: RateLimitSettings) -> RateLimiter {
        RateLimiter {
            settings,
            state: Mutex::new(State {
                day: String::new(),
                secret: fresh_secret(),
                buckets: HashMap::new(),
            }),
        }
    }

    /// The address the limit applies to: the peer, or the client named by `X-Forwarded-For`
    /// when the peer is a trusted proxy (the right-most address that is not a trusted proxy).
    pub fn client_address(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.is_trusted(peer) {
            return peer;
        }
        forwarded_for
            .into_iter()
            .flat_map(|v| v.split(','))
            .rev()
            .filter_map(|s| s.trim().parse::<IpAddr>().ok())
            .find(|ip| !self.is_trusted(*ip))
            .unwrap_or(peer)
    }

    fn is_trusted(&self, peer: IpAddr) -> bool {
        self.settings
            .trusted_proxies
            .iter()
            .any(|net| net.contains(&peer))
    }

    /// Takes one token for `client` on `day` (`YYYY-MM-DD`); `Err(seconds)` says how long to
    /// wait when the bucket is empty.
    pub fn check(&self, client: IpAddr, day: &str, now: Instant) -> Result<(), u64> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.day != day {
            state.day = day.to_owned();
            state.secret = fresh_secret();
            state.buckets.clear();
        }
        let key = client_key(&state.secret, client);
        let capacity = f64::from(self.settings.burst);
        let per_sec = f64::from(self.settings.per_minute) / 60.0;
        if state.buckets.len() >= self.settings.max_clients && !state.buckets.contains_key(&key) {
            // Forget the clients whose buckets have refilled: they lose nothing.
            state.buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_sec < capacity
            });
            if state.buckets.len() >= self.settings.max_clients {
                return Err(1);
            }
        }
        let bucket = state.buckets.entry(key).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let refilled = now.saturating_duration_since(bucket.at).as_secs_f64() * per_sec;
        bucket.tokens = (bucket.tokens + refilled).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - bucket.tokens) / per_sec).ceil();
            // The cast is of a small positive whole number of seconds.
            Err((wait as u64).max(1))
        }
    }
}

/// The client a bucket belongs to: an IPv4 address, or the /64 prefix of an IPv6 address — one
/// subscriber's network, inside which a client can rotate addresses at will (RFC 4941) and so
/// must not get a fresh bucket for each. An IPv4 address mapped into IPv6 counts as IPv4.
fn client_key(secret: &[u8; 32], client: IpAddr) -> ClientKey {
    let mut key = ClientKey::default();
    if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) {
        match client {
            IpAddr::V4(a) => mac.update(&a.octets()),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => mac.update(&v4.octets()),
                None => mac.update(&a.octets()[..8]),
            },
        }
        let digest = mac.finalize().into_bytes();
        let n = key.len();
        key.copy_from_slice(&digest[..n]);
    }
    key
}

/// Middleware applying the limit to the API routes.
pub async fn limit_rate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let (Some(limiter), Some(peer)) = (req.app_data::<web::Data<RateLimiter>>(), req.peer_addr())
    {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        let client = limiter.client_address(peer.ip(), forwarded);
        let day = crate::domain::day_of(time::OffsetDateTime::now_utc());
        if let Err(retry_after_secs) = limiter.check(client, &day, Instant::now()) {
            if let Some(metrics) = req.app_data::<web::Data<Metrics>>() {
                metrics.record_rejection("rate_limited");
            }
            return Err(ApiError::RateLimited { retry_after_secs }.into());
        }
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_bit_prefix() {
        let secret = [9; 32];
        let key = |s: &str| client_key(&secret, s.parse().unwrap_or(IpAddr::from([0; 4])));
        assert_eq!(
            key("2001:db8:1:2::1"),
            key("2001:db8:1:2:aaaa:bbbb:cccc:dddd")
        );
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
        assert_ne!(key("192.0.2.7"), key("192.0.2.8"));
    }

    #[test]
    fn a_client_rotating_addresses_inside_its_prefix_gets_no_new_tokens() {
        let limiter = RateLimiter::new(RateLimitSettings {
            burst: 2,
            per_minute: 1,
            ..RateLimitSettings::default()
        });
        let now = Instant::now();
        let mut refused = 0;
        for i in 0..10_u16 {
            let address = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 7, 7, i, i, i, i));
            if limiter.check(address, "2026-01-01", now).is_err() {
                refused += 1;
            }
        }
        assert_eq!(refused, 8, "two tokens for the whole /64");
    }

    fn limiter(burst: u32, per_minute: u32, proxies: Vec<IpAddr>) -> RateLimiter {
        RateLimiter::new(RateLimitSettings {
            burst,
            per_minute,
            trusted_proxies: proxies.into_iter().map(ipnet::IpNet::from).collect(),
            max_clients: 1000,
        })
    }

    #[test]
    fn a_burst_above_the_limit_is_refused_then_refills() {
        let l = limiter(3, 60, vec![]);
        let ip: IpAddr = [192, 0, 2, 1].into();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.check(ip, "2025-06-01", t0), Ok(()));
        }
        assert_eq!(l.check(ip, "2025-06-01", t0), Err(1));
        assert_eq!(l.check([192, 0, 2, 2].into(), "2025-06-01", t0), Ok(()));
        assert_eq!(
            l.check(ip, "2025-06-01", t0 + Duration::from_secs(1)),
            Ok(())
        );
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = [10, 0, 0, 1].into();
        let l = limiter(1, 60, vec![proxy]);
        let client: IpAddr = [198, 51, 100, 7].into();
        assert_eq!(
            l.client_address(proxy, Some("203.0.113.9, 198.51.100.7")),
            client
        );
        let stranger: IpAddr = [192, 0, 2, 1].into();
        assert_eq!(l.client_address(stranger, Some("198.51.100.7")), stranger);
        assert_eq!(l.client_address(proxy, Some("garbage")), proxy);
    }

    #[test]
    fn a_trusted_range_covers_every_proxy_address_in_it() {
        let l = RateLimiter::new(RateLimitSettings {
            trusted_proxies: vec!["10.0.0.0/8".parse().unwrap_or_else(|e| panic!("{e}"))],
            ..RateLimitSettings::default()
        });
        let client: IpAddr = [198, 51, 100, 7].into();
        assert_eq!(
            l.client_address([10, 9, 8, 7].into(), Some("198.51.100.7")),
            client
        );
        let outside: IpAddr = [11, 0, 0, 1].into();
        assert_eq!(l.client_address(outside, Some("198.51.100.7")), outside);
    }

    #[test]
    fn the_keyed_hash_changes_with_the_day() {
        let l = limiter(1, 1, vec![]);
        let ip: IpAddr = [192, 0, 2, 1].into();
        let t0 = Instant::now();
        assert_eq!(l.check(ip, "2025-06-01", t0), Ok(()));
        assert!(l.check(ip, "2025-06-01", t0).is_err());
        assert_eq!(l.check(ip, "2025-06-02", t0), Ok(()));
    }
}
