//! `cargo xtask serve-pages`: serves the example host pages, each on its own origin.
//!
//! The widget must work on somebody else's page, so the demo and the browser tests need pages that
//! live on origins other than the collector's, behind the strict Content-Security-Policy that a
//! careful public body sends. `actix-files` serves `examples/pages/inps` on `base + 1`, `inail` on
//! `base + 2`, `roma` on `base + 3` and `other` on `base + 4` (paths, types, `GET`/`HEAD`); a
//! middleware writes the collector's URL into every HTML page where it says `{{COLLECTOR}}` and
//! adds the policy headers to every answer.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

use actix_files::Files;
use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{RequestHead, Server, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::{Context, Result, bail};

use crate::tools;

/// The collector the demo runs, and so the default for the pages.
pub const DEFAULT_COLLECTOR: &str = "http://127.0.0.1:8080";
/// The pages are served on `DEFAULT_BASE_PORT + 1 ..= DEFAULT_BASE_PORT + 4`.
pub const DEFAULT_BASE_PORT: u16 = 8100;

/// The example sites, in port order: `base + 1` is the first.
pub const SITES: [&str; 4] = ["inps", "inail", "roma", "other"];

/// The placeholder replaced by the collector's URL in every HTML page.
const PLACEHOLDER: &str = "{{COLLECTOR}}";

/// The placeholder replaced, on the INPS page, by a fresh completion attestation of the NASpI
/// service signed with the example key (`examples/attestation/inps-example-key.pem`, registered
/// as `inps-example` in the pilot registry): what INPS's server does on its final page.
const ATTESTATION_PLACEHOLDER: &str = "{{ATTESTATION}}";

/// The attestation signer of `examples/attestation/`, shared with the example and the tests.
#[path = "../../examples/attestation/signer.rs"]
mod signer;

/// Runs `cargo xtask serve-pages [--collector URL] [--base-port N]` until killed.
pub fn run(args: &[String]) -> Result<()> {
    let mut collector = DEFAULT_COLLECTOR.to_owned();
    let mut base_port = DEFAULT_BASE_PORT;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v.to_owned())),
            None => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .with_context(|| format!("{flag} needs a value"))
        };
        match flag {
            "--collector" => collector = value()?,
            "--base-port" => {
                let v = value()?;
                base_port = v
                    .parse()
                    .with_context(|| format!("--base-port {v:?} is not a port number"))?;
            }
            "-h" | "--help" => {
                println!(
                    "usage: cargo xtask serve-pages [--collector URL (default {DEFAULT_COLLECTOR})] [--base-port N (default {DEFAULT_BASE_PORT})]"
                );
                return Ok(());
            }
            other => bail!("unknown argument {other:?}; try `cargo xtask serve-pages --help`"),
        }
    }
    serve(&collector, base_port)
}

/// Serves the four example sites and blocks for as long as the process lives.
///
/// `collector` is the collector's origin (`http://127.0.0.1:8080`); the pages load the widget from
/// it and the Content-Security-Policy allows it. Fails at once if a port is taken.
pub fn serve(collector: &str, base_port: u16) -> Result<()> {
    let collector = origin_of(collector)?;
    let mut bound = Vec::new();
    for (offset, name) in (1u16..).zip(SITES) {
        let port = base_port
            .checked_add(offset)
            .context("--base-port is too high")?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = TcpListener::bind(addr)
            .with_context(|| format!("cannot listen on {addr} for the {name} page"))?;
        bound.push((Site::new(name, &collector)?, listener));
    }
    actix_web::rt::System::new().block_on(async move {
        let mut running = Vec::new();
        for (site, listener) in bound {
            let addr = listener.local_addr()?;
            println!("{:<6} http://{addr}/", site.name);
            running.push(actix_web::rt::spawn(site_server(site, listener)?));
        }
        println!("collector {collector}");
        for server in running {
            server.await??;
        }
        bail!("the page server stopped")
    })
}

/// One example site: its folder and what every answer from it carries.
#[derive(Clone)]
struct Site {
    name: &'static str,
    root: PathBuf,
    collector: String,
    csp: HeaderValue,
    /// The key the site signs attestations with (the INPS example key), if any.
    attestation_key: Option<ed25519_dalek::SigningKey>,
}

impl Site {
    /// The site `name` of `examples/pages/`, for the collector at origin `collector`.
    fn new(name: &'static str, collector: &str) -> Result<Site> {
        let folder = tools::root().join("examples/pages").join(name);
        let root = folder
            .canonicalize()
            .with_context(|| format!("missing {}", folder.display()))?;
        let attestation_key = if name == "inps" {
            let file = tools::root().join("examples/attestation/inps-example-key.pem");
            let pem = std::fs::read_to_string(&file)
                .with_context(|| format!("missing {}", file.display()))?;
            Some(signer::load_key(&pem).map_err(anyhow::Error::msg)?)
        } else {
            None
        };
        Ok(Site {
            name,
            root,
            collector: collector.to_owned(),
            csp: HeaderValue::from_str(&csp(collector))?,
            attestation_key,
        })
    }

    /// A fresh attestation of `inps-naspi` (valid one hour), or nothing for the other sites.
    fn attestation(&self) -> String {
        let Some(key) = &self.attestation_key else {
            return String::new();
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
        signer::sign_attestation(
            key,
            "inps-example",
            "inps-naspi",
            &signer::random_jti(),
            now,
            3600,
        )
    }
}

/// The server of one site on `listener`: one worker, killed with the process (no signal
/// handling of its own, as the demo and the tests stop it by killing it).
fn site_server(site: Site, listener: TcpListener) -> Result<Server> {
    Ok(HttpServer::new(move || {
        let root = site.root.clone();
        let inside = root.clone();
        App::new()
            .app_data(web::Data::new(site.clone()))
            .wrap(from_fn(site_headers))
            .service(
                Files::new("/", root)
                    .index_file("index.html")
                    // The HTML changes with the collector's URL, so no validators or caching.
                    .use_etag(false)
                    .use_last_modified(false)
                    .path_filter(move |path, _: &RequestHead| stays_inside(&inside, path)),
            )
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run())
}

/// Whether `relative` (already free of `..` and hidden segments: actix-files refuses those)
/// names something whose real path, symbolic links resolved, is still inside `root`.
fn stays_inside(root: &Path, relative: &Path) -> bool {
    root.join(relative)
        .canonicalize()
        .is_ok_and(|real| real.starts_with(root))
}

/// Writes the collector's URL into HTML pages and adds the site's headers to every answer.
async fn site_headers(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let site = request
        .app_data::<web::Data<Site>>()
        .cloned()
        .ok_or_else(|| actix_web::error::ErrorInternalServerError("no site"))?;
    let response = next.call(request).await?;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let mut response = if html {
        let (request, response) = response.into_parts();
        let (response, body) = response.into_parts();
        let bytes = to_bytes(body).await.map_err(|e| {
            let e: Box<dyn std::error::Error> = e.into();
            actix_web::error::ErrorInternalServerError(e.to_string())
        })?;
        let mut page = String::from_utf8_lossy(&bytes).replace(PLACEHOLDER, &site.collector);
        if page.contains(ATTESTATION_PLACEHOLDER) {
            page = page.replace(ATTESTATION_PLACEHOLDER, &site.attestation());
        }
        ServiceResponse::new(request, response.set_body(page).map_into_boxed_body())
    } else {
        response.map_into_boxed_body()
    };
    let refused_method = response.status() == StatusCode::METHOD_NOT_ALLOWED;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, site.csp.clone());
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if refused_method {
        headers.insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    }
    Ok(response)
}

/// The page's Content-Security-Policy: only itself, the collector, and compiling WebAssembly.
fn csp(collector: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' {collector} 'wasm-unsafe-eval'; style-src 'self'; \
         connect-src {collector}; img-src 'self' data:; frame-ancestors 'none'"
    )
}

/// Checks that the collector is an `http(s)://host[:port]` origin (it is written into a header).
fn origin_of(url: &str) -> Result<String> {
    let url = url.trim_end_matches('/');
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    let Some(authority) = rest else {
        bail!("--collector {url:?} must start with http:// or https://")
    };
    let ok = !authority.is_empty()
        && authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !ok {
        bail!(
            "--collector {url:?} must be an origin such as http://127.0.0.1:8080 (no path, no spaces)"
        );
    }
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    use super::*;

    const COLLECTOR: &str = "http://127.0.0.1:8280";

    /// Serves the INPS site on a free port in a thread of its own; returns its address.
    fn inps_site() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let addr = listener.local_addr().expect("its address");
        let site = Site::new("inps", COLLECTOR).expect("the INPS page exists");
        std::thread::spawn(move || {
            actix_web::rt::System::new()
                .block_on(async move { site_server(site, listener).expect("a server").await })
        });
        addr
    }

    /// Sends one raw request and returns the status line, the headers (lower-cased) and the body.
    fn ask(addr: SocketAddr, method: &str, target: &str) -> (String, String, String) {
        let mut stream = TcpStream::connect(addr).expect("connect");
        write!(
            stream,
            "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut reply = String::new();
        stream.read_to_string(&mut reply).expect("read");
        let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
        let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
        (status.to_owned(), headers.to_lowercase(), body.to_owned())
    }

    #[test]
    fn the_root_serves_the_index_page_with_the_collector_and_the_policy() {
        let addr = inps_site();
        let (status, headers, body) = ask(addr, "GET", "/?x=1");
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert!(
            headers.contains("content-type: text/html; charset=utf-8"),
            "{headers}"
        );
        assert!(
            headers.contains(&format!("content-security-policy: {}", csp(COLLECTOR))),
            "{headers}"
        );
        assert!(
            headers.contains("x-content-type-options: nosniff"),
            "{headers}"
        );
        assert!(headers.contains("cache-control: no-store"), "{headers}");
        assert!(!headers.contains("etag:"), "{headers}");
        assert!(body.contains(&format!("{COLLECTOR}/widget/v1/voce.js")));
        assert!(!body.contains(PLACEHOLDER));
        assert!(!body.contains(ATTESTATION_PLACEHOLDER));
        // The INPS page carries a fresh attestation of its service, signed with the example key.
        let attestation = body
            .split("data-attestation=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default();
        let claims = attestation.split('.').nth(1).unwrap_or_default();
        let claims: serde_json::Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, claims)
                .unwrap_or_default(),
        )
        .unwrap_or_default();
        assert_eq!(claims["sub"], "inps-naspi", "{attestation}");
        let length = headers
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .and_then(|n| n.trim().parse::<usize>().ok());
        assert_eq!(length, Some(body.len()), "the length of the rewritten page");
    }

    #[test]
    fn other_files_keep_their_types_and_bytes() {
        let addr = inps_site();
        let (status, headers, body) = ask(addr, "GET", "/inps.css");
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert!(headers.contains("content-type: text/css"), "{headers}");
        let file = std::fs::read_to_string(tools::root().join("examples/pages/inps/inps.css"))
            .expect("the stylesheet");
        assert_eq!(body, file);
        let (_, headers, _) = ask(addr, "GET", "/logo-inps.svg");
        assert!(headers.contains("content-type: image/svg+xml"), "{headers}");
    }

    #[test]
    fn paths_that_climb_out_of_the_site_or_are_hidden_are_refused() {
        let addr = inps_site();
        for target in [
            "/../inail/index.html",
            "/%2e%2e/inail/index.html",
            "/..%2finail/index.html",
            "/.hidden",
            "//etc/passwd",
            "/a\\b",
            "/%00",
            "/missing.html",
        ] {
            let (status, _, body) = ask(addr, "GET", target);
            assert!(
                status.starts_with("HTTP/1.1 4"),
                "{target}: {status}\n{body}"
            );
            assert!(!body.contains("INAIL"), "{target}");
        }
    }

    #[test]
    fn only_get_and_head_are_allowed() {
        let addr = inps_site();
        let (status, headers, _) = ask(addr, "POST", "/");
        assert_eq!(status, "HTTP/1.1 405 Method Not Allowed");
        assert!(headers.contains("allow: get, head"), "{headers}");
        let (status, headers, body) = ask(addr, "HEAD", "/");
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert!(headers.contains("content-security-policy:"), "{headers}");
        assert_eq!(body, "");
    }

    #[test]
    fn the_collector_must_be_a_plain_origin() {
        assert_eq!(
            origin_of("http://127.0.0.1:8280/").expect("valid"),
            "http://127.0.0.1:8280"
        );
        for bad in [
            "127.0.0.1:8280",
            "http://a b",
            "http://x; script-src *",
            "http://x/path",
            "http://",
        ] {
            assert!(origin_of(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_policy_allows_only_the_page_and_the_collector() {
        let policy = csp(COLLECTOR);
        assert!(policy.contains("script-src 'self' http://127.0.0.1:8280 'wasm-unsafe-eval';"));
        assert!(policy.contains("style-src 'self';"));
        assert!(!policy.contains("unsafe-inline"));
    }
}
