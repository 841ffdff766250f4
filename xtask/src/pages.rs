//! `cargo xtask serve-pages`: serves the example host pages, each on its own origin.
//!
//! The widget must work on somebody else's page, so the demo and the browser tests need pages that
//! live on origins other than the collector's, behind the strict Content-Security-Policy that a
//! careful public body sends. This is a deliberately tiny static server in plain `std` (one thread
//! per connection, `Connection: close`): it serves `examples/pages/inps` on `base + 1`, `inail` on
//! `base + 2`, `roma` on `base + 3` and `other` on `base + 4`, writes the collector's URL into
//! every `.html` file where it says `{{COLLECTOR}}`, and refuses any path outside the page's folder.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::tools;

/// The collector the demo runs, and so the default for the pages.
pub const DEFAULT_COLLECTOR: &str = "http://127.0.0.1:8080";
/// The pages are served on `DEFAULT_BASE_PORT + 1 ..= DEFAULT_BASE_PORT + 4`.
pub const DEFAULT_BASE_PORT: u16 = 8100;

/// The example sites, in port order: `base + 1` is the first.
pub const SITES: [&str; 4] = ["inps", "inail", "roma", "other"];

/// The placeholder replaced by the collector's URL in every `.html` file.
const PLACEHOLDER: &str = "{{COLLECTOR}}";

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
    let servers = bind(collector, base_port)?;
    for server in &servers {
        println!("{:<6} http://{}/", server.site.name, server.addr);
    }
    println!("collector {}", servers[0].site.collector);
    let handles: Vec<_> = servers
        .into_iter()
        .map(|s| thread::spawn(move || s.accept_forever()))
        .collect();
    for handle in handles {
        let _ = handle.join();
    }
    bail!("the page server stopped")
}

/// One example site: its folder and what every response from it carries.
struct Site {
    name: &'static str,
    root: PathBuf,
    collector: String,
    csp: String,
}

/// A site bound to its port.
struct Server {
    site: Arc<Site>,
    listener: TcpListener,
    addr: SocketAddr,
}

fn bind(collector: &str, base_port: u16) -> Result<Vec<Server>> {
    let collector = origin_of(collector)?;
    let pages = tools::root().join("examples").join("pages");
    let mut servers = Vec::new();
    for (offset, name) in (1u16..).zip(SITES) {
        let root = pages
            .join(name)
            .canonicalize()
            .with_context(|| format!("missing {}", pages.join(name).display()))?;
        let port = base_port
            .checked_add(offset)
            .context("--base-port is too high")?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = TcpListener::bind(addr)
            .with_context(|| format!("cannot listen on {addr} for the {name} page"))?;
        let site = Site {
            name,
            root,
            csp: csp(&collector),
            collector: collector.clone(),
        };
        servers.push(Server {
            site: Arc::new(site),
            listener,
            addr,
        });
    }
    Ok(servers)
}

impl Server {
    fn accept_forever(self) {
        for stream in self.listener.incoming().flatten() {
            let site = Arc::clone(&self.site);
            thread::spawn(move || {
                if let Err(e) = handle(&site, stream) {
                    eprintln!("{}: {e:#}", site.name);
                }
            });
        }
    }
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

/// A response about to be written.
struct Reply {
    status: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Reply {
    fn text(status: &'static str, body: &str) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.as_bytes().to_vec(),
        }
    }
}

fn handle(site: &Site, stream: TcpStream) -> Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?).take(16 * 1024);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Ok(());
    }
    // Read and ignore the headers: nothing here depends on them.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let reply = match method {
        "GET" | "HEAD" => respond(site, target),
        _ => Reply::text("405 Method Not Allowed", "method not allowed\n"),
    };
    write_reply(site, stream, &reply, method == "HEAD")
}

fn write_reply(site: &Site, mut stream: TcpStream, reply: &Reply, head: bool) -> Result<()> {
    let mut out = format!(
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nContent-Security-Policy: {}\r\n\
         X-Content-Type-Options: nosniff\r\nReferrer-Policy: strict-origin-when-cross-origin\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n",
        reply.status,
        reply.content_type,
        reply.body.len(),
        site.csp
    );
    if reply.status.starts_with("405") {
        out.push_str("Allow: GET, HEAD\r\n");
    }
    out.push_str("\r\n");
    stream.write_all(out.as_bytes())?;
    if !head {
        stream.write_all(&reply.body)?;
    }
    stream.flush()?;
    Ok(())
}

fn respond(site: &Site, target: &str) -> Reply {
    let Some(path) = resolve(&site.root, target) else {
        return Reply::text("404 Not Found", "not found\n");
    };
    let Ok(body) = std::fs::read(&path) else {
        return Reply::text("404 Not Found", "not found\n");
    };
    let content_type = mime_type(&path);
    let body = if content_type.starts_with("text/html") {
        String::from_utf8_lossy(&body)
            .replace(PLACEHOLDER, &site.collector)
            .into_bytes()
    } else {
        body
    };
    Reply {
        status: "200 OK",
        content_type,
        body,
    }
}

/// Maps a request target to a file inside `root`, or `None` when it is outside, hidden or absent.
fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    let decoded = percent_decode(path.strip_prefix('/')?)?;
    let relative = Path::new(&decoded);
    let plain = relative
        .components()
        .all(|c| matches!(c, Component::Normal(s) if !s.to_string_lossy().starts_with('.')));
    if decoded.contains(['\\', '\0']) || !plain {
        return None;
    }
    let mut file = root.join(relative);
    if file.is_dir() {
        file.push("index.html");
    }
    // Symbolic links could still lead out: compare the real path with the real root.
    let real = file.canonicalize().ok()?;
    (real.starts_with(root) && real.is_file()).then_some(real)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn mime_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("txt") => "text/plain; charset=utf-8",
        Some("wasm") => "application/wasm",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_root() -> PathBuf {
        tools::root()
            .join("examples/pages/inps")
            .canonicalize()
            .expect("the INPS page exists")
    }

    #[test]
    fn the_root_serves_the_index_page() {
        let file = resolve(&site_root(), "/?x=1").expect("index");
        assert!(file.ends_with("index.html"));
    }

    #[test]
    fn paths_that_climb_out_of_the_site_are_refused() {
        let root = site_root();
        for target in [
            "/../inail/index.html",
            "/%2e%2e/inail/index.html",
            "/..%2finail/index.html",
            "/.hidden",
            "//etc/passwd",
            "/a\\b",
            "/%00",
        ] {
            assert_eq!(resolve(&root, target), None, "{target}");
        }
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
        let policy = csp("http://127.0.0.1:8280");
        assert!(policy.contains("script-src 'self' http://127.0.0.1:8280 'wasm-unsafe-eval';"));
        assert!(policy.contains("style-src 'self';"));
        assert!(!policy.contains("unsafe-inline"));
    }

    #[test]
    fn types_are_the_ones_browsers_insist_on() {
        assert_eq!(mime_type(Path::new("a.wasm")), "application/wasm");
        assert_eq!(mime_type(Path::new("a.CSS")), "text/css; charset=utf-8");
        assert_eq!(mime_type(Path::new("a.svg")), "image/svg+xml");
    }
}
