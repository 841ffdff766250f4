//! The collector under load, against the ceiling of its HTTP stack, in one run with one client.
//!
//! `voce-bench load [--backend sqlite|postgres] [--duration S] [--connections C]
//! [--client-threads T] [--overload-connections O]` (`cargo xtask bench` builds the release
//! binaries, prepares a fresh database with the pilot registry and runs it, so that the client
//! and the ceiling are optimised like the collector). It starts the release `voce-collector` on
//! loopback with the environment it was given (its settings: the database, `VOCE_BIND`,
//! `VOCE_ADMIN_BIND`, its rate limit raised out of the way), and measures, each phase for `S`
//! seconds over `C` kept-alive connections (see [`super::client`]):
//!
//! 1. **forms**: `GET /v1/forms/{service}?locale=…` with the registered `Origin`, five services
//!    of three bodies in five locales, closed loop. The tickets of these answers are kept: they
//!    are the ones submitted next, so no ticket is issued during a timed submit phase;
//! 2. **submit, maximum**: `POST /v1/responses`, one fresh ticket each, eight valid bodies in
//!    turn (half with a free text, some with personal data for the redactor), closed loop; only
//!    `201` counts as accepted;
//! 3. **submit, half the maximum**: the same at a fixed arrival rate of half the accepted rate of
//!    phase 2 (open loop, latency from the scheduled time): p50, p99, p99.9;
//! 4. the collector's peak resident memory (`VmHWM`);
//! 5. **overload**: submissions offered at twice the accepted rate of phase 2 (open loop) over
//!    `--overload-connections` connections (default 1024), the collector's resident memory
//!    (`VmRSS`) printed every second, then **recovery**: a closed loop as in phase 2 for half a
//!    phase, to see the accepted rate come back ([`super::overload`]); then it is stopped. These
//!    are printed in their own table, before the last line, which they leave unchanged;
//! 6. **ceiling**: the same submissions, same client, same connections, to
//!    [`super::ceiling`] in its own process: it parses the same JSON into the same type and
//!    answers `201`. The ratio is accepted / ceiling. The ceiling is also the check that the
//!    client is not the bottleneck: it drives the ceiling far faster than the collector.
//!
//! The last line printed is one JSON object with the headline figures. `--backend` names the
//! backend in the report (the database is the one the environment names). `--callgrind N`
//! instead runs the collector under `valgrind --tool=callgrind` (its dump in
//! `target/bench/<backend>/`), counts instructions only while `N` responses are submitted
//! (tickets issued beforehand), and prints the functions they went to.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue, ORIGIN};
use hyper::{Method, Request, StatusCode, Uri};
use tokio::runtime::Runtime;

use super::client::{self, Mode, Outcome, Phase, Workload};
use super::overload::{self, Overload};

/// The collector measured, built by `cargo build --release` in the workspace root (the
/// current directory).
const COLLECTOR_BINARY: &str = "target/release/voce-collector";
/// Where the ceiling server listens.
const CEILING_BIND: &str = "127.0.0.1:8481";

/// Services of the pilot registry (three bodies, both catalog questionnaires) with an origin
/// each body allows.
const SERVICES: [(&str, &str); 5] = [
    ("inps-naspi", "http://127.0.0.1:8101"),
    ("inps-assegno-unico-info", "http://127.0.0.1:8101"),
    ("inail-denuncia-infortunio", "http://127.0.0.1:8102"),
    ("roma-tari", "http://127.0.0.1:8103"),
    ("roma-carta-identita", "http://127.0.0.1:8103"),
];
const LOCALES: [&str; 5] = ["it", "en", "de", "fr", "sl"];

/// Valid submissions for both catalog questionnaires (`facilita-servizio` and
/// `chiarezza-pagina`): every rating, the follow-up each rating shows, with and without a free
/// text, free texts with an e-mail address, a phone number and a tax code to redact.
const BODIES: [&str; 8] = [
    r#"{"answers":{"valutazione":5},"locale":"it"}"#,
    r#"{"answers":{"valutazione":4,"aspetti-positivi":"indicazioni-chiare","dettagli":"Tutto chiaro, ho finito in cinque minuti. Grazie!"},"locale":"it"}"#,
    r#"{"answers":{"valutazione":2,"difficolta":"problemi-tecnici"},"locale":"it"}"#,
    r#"{"answers":{"valutazione":1,"difficolta":"indicazioni-non-chiare","dettagli":"Non ho capito quali documenti allegare. Scrivetemi a mario.rossi@example.com o al 333 123 4567."},"locale":"it"}"#,
    r#"{"answers":{"valutazione":3},"locale":"en"}"#,
    r#"{"answers":{"valutazione":5,"aspetti-positivi":"capivo-come-procedere","dettagli":"Everything was clear and the page loaded fast, thank you."},"locale":"en"}"#,
    r#"{"answers":{"valutazione":3,"difficolta":"altro"},"locale":"de"}"#,
    r#"{"answers":{"valutazione":4,"dettagli":"Tout était clair. Mon code fiscal est RSSMRA80A01H501U, si besoin."},"locale":"fr"}"#,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The options of a load run.
#[derive(Clone, Debug)]
struct Options {
    backend: Backend,
    duration: Duration,
    connections: usize,
    client_threads: usize,
    overload_connections: usize,
    callgrind: Option<usize>,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut options = Options {
        backend: Backend::Sqlite,
        duration: Duration::from_secs(10),
        connections: 64,
        client_threads: 1,
        overload_connections: 1024,
        callgrind: None,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--backend" => {
                options.backend = match value()?.as_str() {
                    "sqlite" => Backend::Sqlite,
                    "postgres" => Backend::Postgres,
                    other => bail!("--backend {other:?}: expected sqlite or postgres"),
                }
            }
            "--duration" => {
                let secs: f64 = value()?.parse().context("--duration: seconds")?;
                ensure!(secs >= 1.0, "--duration must be at least 1 s");
                options.duration = Duration::from_secs_f64(secs);
            }
            "--connections" => {
                options.connections = value()?.parse().context("--connections")?;
                ensure!(options.connections >= 1, "--connections must be at least 1");
            }
            "--client-threads" => {
                options.client_threads = value()?.parse().context("--client-threads")?;
            }
            "--overload-connections" => {
                options.overload_connections =
                    value()?.parse().context("--overload-connections")?;
                ensure!(
                    options.overload_connections >= 1,
                    "--overload-connections must be at least 1"
                );
            }
            "--callgrind" => options.callgrind = Some(value()?.parse().context("--callgrind")?),
            other => bail!(
                "unknown option {other:?}; expected --backend, --duration, --connections, \
                 --client-threads, --overload-connections or --callgrind"
            ),
        }
    }
    Ok(options)
}

/// Runs the load benchmark (or, with `--callgrind N`, the instruction count) as `args` ask.
pub fn run(args: &[String]) -> Result<()> {
    let options = parse(args)?;
    match options.callgrind {
        Some(n) => callgrind(&options, n),
        None => measure(&options),
    }
}

/// `GET /v1/forms/{service}?locale=…` with the service's origin; request `i` asks for service
/// `i mod 5`, so its ticket belongs to that service's origin.
struct Forms {
    host: HeaderValue,
    targets: Vec<(Uri, HeaderValue)>,
}

impl Forms {
    fn new(bind: &str) -> Result<Forms> {
        let mut targets = Vec::new();
        for locale in LOCALES {
            for (service, origin) in SERVICES {
                targets.push((
                    format!("/v1/forms/{service}?locale={locale}").parse()?,
                    HeaderValue::from_static(origin),
                ));
            }
        }
        Ok(Forms {
            host: HeaderValue::from_str(bind)?,
            targets,
        })
    }

    fn origin(&self, i: usize) -> HeaderValue {
        self.targets[i % self.targets.len()].1.clone()
    }
}

impl Workload for Forms {
    fn request(&self, i: usize) -> Request<Full<Bytes>> {
        let (uri, origin) = &self.targets[i % self.targets.len()];
        let mut request = Request::new(Full::new(Bytes::new()));
        *request.uri_mut() = uri.clone();
        let headers = request.headers_mut();
        headers.insert(HOST, self.host.clone());
        headers.insert(ORIGIN, origin.clone());
        request
    }
}

/// A ticket ready to submit with: its `Authorization` value and its origin.
#[derive(Clone)]
struct Ticket {
    authorization: HeaderValue,
    origin: HeaderValue,
}

/// `POST /v1/responses`: request `i` uses ticket `first + i` and body `(first + i) mod 8`; with
/// `wrap`, tickets are reused round the list (for the ceiling, which does not check them).
struct Submit {
    host: HeaderValue,
    tickets: Arc<Vec<Ticket>>,
    first: usize,
    wrap: bool,
    bodies: Vec<Bytes>,
}

impl Submit {
    fn new(bind: &str, tickets: Arc<Vec<Ticket>>, first: usize, wrap: bool) -> Result<Submit> {
        Ok(Submit {
            host: HeaderValue::from_str(bind)?,
            tickets,
            first,
            wrap,
            bodies: BODIES
                .iter()
                .map(|b| Bytes::from_static(b.as_bytes()))
                .collect(),
        })
    }

    /// How many requests this workload can make.
    fn available(&self) -> usize {
        if self.wrap {
            usize::MAX
        } else {
            self.tickets.len().saturating_sub(self.first)
        }
    }
}

impl Workload for Submit {
    fn request(&self, i: usize) -> Request<Full<Bytes>> {
        let n = self.first + i;
        let ticket = &self.tickets[n % self.tickets.len()];
        let mut request = Request::new(Full::new(self.bodies[n % self.bodies.len()].clone()));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = Uri::from_static("/v1/responses");
        let headers = request.headers_mut();
        headers.insert(HOST, self.host.clone());
        headers.insert(ORIGIN, ticket.origin.clone());
        headers.insert(AUTHORIZATION, ticket.authorization.clone());
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        request
    }
}

/// The collector measured: where it listens, from the settings it is run with.
struct Collector {
    /// `VOCE_BIND`.
    bind: String,
    /// `VOCE_ADMIN_BIND`, for the writer's batch sizes in `/metrics`.
    admin_bind: String,
}

impl Collector {
    fn from_env() -> Result<Collector> {
        let var = |name: &str| {
            std::env::var(name).with_context(|| {
                format!("{name} is not set: run the benchmark with `cargo xtask bench`")
            })
        };
        Ok(Collector {
            bind: var("VOCE_BIND")?,
            admin_bind: var("VOCE_ADMIN_BIND")?,
        })
    }

    /// Starts `serve` with this process's environment and waits until it listens.
    fn serve(&self) -> Result<Process> {
        let mut server = Process(
            Command::new(COLLECTOR_BINARY)
                .arg("serve")
                .spawn()
                .with_context(|| format!("starting {COLLECTOR_BINARY} serve"))?,
        );
        wait_listening(&self.bind, &mut server.0, Duration::from_secs(30))?;
        Ok(server)
    }
}

/// Runs a command to its end; fails unless it succeeds.
fn run_command(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    ensure!(status.success(), "{cmd:?} failed with {status}");
    Ok(())
}

/// A child process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_listening(bind: &str, child: &mut Child, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    while TcpStream::connect(bind).is_err() {
        if let Some(status) = child.try_wait()? {
            bail!("the server meant for {bind} exited with {status}");
        }
        ensure!(
            Instant::now() < deadline,
            "nothing listened on {bind} within {limit:?}"
        );
        sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// The writer's transactions and the responses they held so far, from the collector's
/// `voce_write_batch_responses` histogram.
#[derive(Clone, Copy, Debug, Default)]
struct Batches {
    transactions: f64,
    responses: f64,
}

impl Batches {
    fn since(self, before: Batches) -> Batches {
        Batches {
            transactions: self.transactions - before.transactions,
            responses: self.responses - before.responses,
        }
    }

    fn mean(self) -> f64 {
        if self.transactions > 0.0 {
            self.responses / self.transactions
        } else {
            0.0
        }
    }
}

fn write_batches(rt: &Runtime, admin_bind: &str) -> Result<Batches> {
    let request = Request::get("/metrics")
        .header(HOST, admin_bind)
        .body(Full::new(Bytes::new()))?;
    let (status, body) = client::once(rt, admin_bind.parse()?, request)?;
    ensure!(status == StatusCode::OK, "/metrics answered {status}");
    let text = String::from_utf8_lossy(&body);
    let value = |name: &str| -> Result<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .with_context(|| format!("{name} missing from /metrics"))?
            .trim()
            .parse()
            .with_context(|| format!("{name} is not a number"))
    };
    Ok(Batches {
        transactions: value("voce_write_batch_responses_count")?,
        responses: value("voce_write_batch_responses_sum")?,
    })
}

/// Every (service, locale) gives a form with a ticket, and every body is accepted: the
/// workloads are valid before anything is timed.
fn check_workloads(rt: &Runtime, bind: &str, forms: &Forms) -> Result<()> {
    let addr: SocketAddr = bind.parse()?;
    let mut tickets = Vec::new();
    for i in 0..forms.targets.len().max(BODIES.len()) {
        let (status, body) = client::once(rt, addr, forms.request(i))?;
        ensure!(
            status == StatusCode::OK,
            "form {i} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
        let form: serde_json::Value = serde_json::from_slice(&body)?;
        let ticket = form["ticket"].as_str().context("a form without a ticket")?;
        tickets.push(ticket_for(ticket, forms.origin(i))?);
    }
    let submit = Submit::new(bind, Arc::new(tickets), 0, false)?;
    for (i, text) in BODIES.iter().enumerate() {
        let (status, body) = client::once(rt, addr, submit.request(i))?;
        ensure!(
            status == StatusCode::CREATED,
            "body {i} ({text}) answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    Ok(())
}

fn ticket_for(ticket: &str, origin: HeaderValue) -> Result<Ticket> {
    Ok(Ticket {
        authorization: HeaderValue::from_str(&format!("Bearer {ticket}"))?,
        origin,
    })
}

/// The tickets a forms phase kept, ready to submit with.
fn tickets_of(outcome: &Outcome, forms: &Forms) -> Result<Vec<Ticket>> {
    outcome
        .tickets
        .iter()
        .map(|(i, t)| ticket_for(t, forms.origin(*i)))
        .collect()
}

struct Row {
    name: &'static str,
    pacing: String,
    expect: StatusCode,
    outcome: Outcome,
}

fn measure(options: &Options) -> Result<()> {
    let rt = client::runtime(options.client_threads)?;
    let collector = Collector::from_env()?;
    let bind = collector.bind.as_str();
    let addr: SocketAddr = bind.parse()?;
    let d = options.duration;
    let phase = |mode, limit, expect, keep_tickets| Phase {
        addr,
        connections: options.connections,
        duration: d,
        mode,
        limit,
        expect,
        keep_tickets,
    };
    let server = collector.serve()?;
    let forms = Arc::new(Forms::new(bind)?);
    check_workloads(&rt, bind, &forms)?;

    eprintln!(
        "forms: closed loop, {} connections, {d:?}…",
        options.connections
    );
    let forms_out = client::run(
        &rt,
        &phase(Mode::Closed, usize::MAX, StatusCode::OK, true),
        forms.clone(),
    )?;
    let mut tickets = tickets_of(&forms_out, &forms)?;

    eprintln!(
        "submit: closed loop, {} tickets issued beforehand…",
        tickets.len()
    );
    let max_work = Submit::new(bind, Arc::new(tickets.clone()), 0, false)?;
    let batches_before = write_batches(&rt, &collector.admin_bind)?;
    let max_out = client::run(
        &rt,
        &phase(
            Mode::Closed,
            max_work.available(),
            StatusCode::CREATED,
            false,
        ),
        Arc::new(max_work),
    )?;
    let batches = write_batches(&rt, &collector.admin_bind)?.since(batches_before);
    let ran_out = max_out.sent >= tickets.len();
    ensure!(
        max_out.succeeded > 0,
        "no response was accepted: {:?}",
        max_out.statuses
    );

    let half = max_out.rate() / 2.0;
    let used = max_out.sent;
    let needed = (half * d.as_secs_f64()).ceil() as usize + options.connections;
    let missing = needed.saturating_sub(tickets.len() - used);
    if missing > 0 {
        eprintln!("issuing {missing} more tickets (not timed)…");
        let more = client::run(
            &rt,
            &Phase {
                duration: Duration::from_secs(600),
                ..phase(Mode::Closed, missing, StatusCode::OK, true)
            },
            forms.clone(),
        )?;
        tickets.extend(tickets_of(&more, &forms)?);
    }
    eprintln!("submit: open loop at {half:.0}/s…");
    let half_work = Submit::new(bind, Arc::new(tickets.clone()), used, false)?;
    let half_out = client::run(
        &rt,
        &phase(
            Mode::Open(half),
            half_work.available(),
            StatusCode::CREATED,
            false,
        ),
        Arc::new(half_work),
    )?;
    let rss = overload::memory_mib(server.0.id(), "VmHWM")?;

    // Overload at twice the maximum, then recovery, on tickets issued beforehand (not timed).
    let offered = 2.0 * max_out.rate();
    let recovery_time = d / 2;
    let first = used + half_out.sent;
    let for_overload = (offered * d.as_secs_f64()).ceil() as usize;
    let for_recovery =
        (2.0 * max_out.rate() * recovery_time.as_secs_f64()).ceil() as usize + options.connections;
    let missing = (for_overload + for_recovery).saturating_sub(tickets.len() - first);
    if missing > 0 {
        eprintln!("issuing {missing} more tickets (not timed)…");
        let more = client::run(
            &rt,
            &Phase {
                duration: Duration::from_secs(600),
                ..phase(Mode::Closed, missing, StatusCode::OK, true)
            },
            forms.clone(),
        )?;
        tickets.extend(tickets_of(&more, &forms)?);
    }
    eprintln!(
        "overload: open loop at {offered:.0}/s over {} connections, memory every {:?}…",
        options.overload_connections,
        overload::SAMPLE_EVERY
    );
    let shared = Arc::new(tickets.clone());
    let overloaded = overload::run(
        &rt,
        server.0.id(),
        (
            &Phase {
                connections: options.overload_connections,
                ..phase(
                    Mode::Open(offered),
                    for_overload,
                    StatusCode::CREATED,
                    false,
                )
            },
            Arc::new(Submit::new(bind, shared.clone(), first, false)?),
        ),
        (
            &Phase {
                duration: recovery_time,
                ..phase(Mode::Closed, for_recovery, StatusCode::CREATED, false)
            },
            Arc::new(Submit::new(bind, shared, first + for_overload, false)?),
        ),
    )?;
    drop(server);

    eprintln!("ceiling: closed loop…");
    let mut ceiling = Process(
        Command::new(std::env::current_exe()?)
            .args(["ceiling", CEILING_BIND])
            .spawn()
            .context("starting the ceiling server")?,
    );
    wait_listening(CEILING_BIND, &mut ceiling.0, Duration::from_secs(30))?;
    let ceiling_addr: SocketAddr = CEILING_BIND.parse()?;
    let ceiling_work = Arc::new(Submit::new(CEILING_BIND, Arc::new(tickets), 0, true)?);
    let (status, _) = client::once(&rt, ceiling_addr, ceiling_work.request(0))?;
    ensure!(
        status == StatusCode::CREATED,
        "the ceiling answered {status}"
    );
    let ceiling_out = client::run(
        &rt,
        &Phase {
            addr: ceiling_addr,
            ..phase(Mode::Closed, usize::MAX, StatusCode::CREATED, false)
        },
        ceiling_work,
    )?;
    drop(ceiling);

    let rows = [
        Row {
            name: "forms (`GET /v1/forms/…`)",
            pacing: "closed loop".into(),
            expect: StatusCode::OK,
            outcome: forms_out,
        },
        Row {
            name: "submit, maximum (`POST /v1/responses`)",
            pacing: "closed loop".into(),
            expect: StatusCode::CREATED,
            outcome: max_out,
        },
        Row {
            name: "submit, half the maximum",
            pacing: format!("open loop, {half:.0}/s"),
            expect: StatusCode::CREATED,
            outcome: half_out,
        },
        Row {
            name: "ceiling (parse + `201`)",
            pacing: "closed loop".into(),
            expect: StatusCode::CREATED,
            outcome: ceiling_out,
        },
    ];
    report(options, &rows, rss, ran_out, batches, &overloaded)
}

/// The overload and recovery phases, and the memory over time.
fn report_overload(options: &Options, o: &Overload, max_rate: f64) {
    println!(
        "\n| phase | pacing | requests | expected | per s | p50 ms | p99 ms | max ms | other outcomes |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---|");
    for (name, pacing, outcome) in [
        (
            "overload",
            format!(
                "open loop, {:.0}/s over {} connections",
                o.offered_per_s, options.overload_connections
            ),
            &o.overload,
        ),
        (
            "recovery, right after",
            format!("closed loop, {} connections", options.connections),
            &o.recovery,
        ),
    ] {
        println!(
            "| {name} | {pacing} | {} | {} 201 | {:.0} | {:.2} | {:.2} | {:.2} | {} |",
            outcome.sent,
            outcome.succeeded,
            outcome.rate(),
            outcome.latency_ms(0.5),
            outcome.latency_ms(0.99),
            outcome.latency_ms(1.0),
            describe(&outcome.errors(StatusCode::CREATED)),
        );
    }
    println!(
        "\nOverload: {:.0}/s offered (twice the maximum) for {:.0} s, {:.0}/s accepted over the \
         {:.1} s it took to answer them all; the excess waited in the client (at most one request \
         in flight per connection: send lag p50 {:.0} ms, p99 {:.0} ms), latencies count from each \
         request's scheduled time. Recovery: {:.0}/s accepted, {:.2} of the maximum phase's \
         {max_rate:.0}/s. Collector resident memory (VmRSS, MiB) during the overload: {}; growth \
         over the second half {:+.1} MiB; peak (VmHWM) after both phases {:.1} MiB.",
        o.offered_per_s,
        options.duration.as_secs_f64(),
        o.overload.rate(),
        o.overload.elapsed.as_secs_f64(),
        o.overload.lag_ms(0.5),
        o.overload.lag_ms(0.99),
        o.recovery.rate(),
        o.recovery.rate() / max_rate,
        overload::describe_rss(&o.rss),
        o.late_growth_mib(),
        o.peak_mib,
    );
}

fn report(
    options: &Options,
    rows: &[Row; 4],
    rss: f64,
    ran_out: bool,
    batches: Batches,
    overloaded: &Overload,
) -> Result<()> {
    let [forms, max, half, ceiling] = rows;
    println!(
        "\n| phase | pacing | requests | expected | per s | p50 ms | p99 ms | p99.9 ms | max ms | other outcomes |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for row in rows {
        let o = &row.outcome;
        println!(
            "| {} | {} | {} | {} {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            row.name,
            row.pacing,
            o.sent,
            o.succeeded,
            row.expect.as_u16(),
            o.rate(),
            o.latency_ms(0.5),
            o.latency_ms(0.99),
            o.latency_ms(0.999),
            o.latency_ms(1.0),
            describe(&o.errors(row.expect)),
        );
    }
    println!(
        "\nbackend {}, {} connections, {} s a phase, {} client thread(s), loopback, release builds; \
         latencies of closed loops are per request, of the open loop from each request's scheduled \
         time. Client send lag in the open loop: p50 {:.2} ms, p99 {:.2} ms. Collector peak RSS \
         (VmHWM) {rss:.1} MiB. Ceiling / accepted = {:.1}: the client drove the ceiling that much \
         faster than the collector.",
        options.backend.name(),
        options.connections,
        options.duration.as_secs_f64(),
        options.client_threads,
        half.outcome.lag_ms(0.5),
        half.outcome.lag_ms(0.99),
        ceiling.outcome.rate() / max.outcome.rate(),
    );
    println!(
        "In the maximum submit phase the writer committed {:.0} transactions of {:.1} responses \
         on average.",
        batches.transactions,
        batches.mean()
    );
    if ran_out {
        println!(
            "The maximum submit phase used every ticket the forms phase issued before its time was \
             up; its rate is over the time it ran."
        );
    }
    report_overload(options, overloaded, max.outcome.rate());
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for row in [forms, max, half] {
        for (k, v) in row.outcome.errors(row.expect) {
            *errors.entry(k).or_default() += v;
        }
    }
    let round = |x: f64, places: i32| {
        let scale = 10f64.powi(places);
        (x * scale).round() / scale
    };
    let accepted = max.outcome.rate();
    let ceiling_rate = ceiling.outcome.rate();
    println!(
        "{}",
        serde_json::json!({
            "backend": options.backend.name(),
            "forms_per_s": round(forms.outcome.rate(), 0),
            "accepted_per_s": round(accepted, 0),
            "p50_ms": round(half.outcome.latency_ms(0.5), 2),
            "p99_ms": round(half.outcome.latency_ms(0.99), 2),
            "p999_ms": round(half.outcome.latency_ms(0.999), 2),
            "errors": errors,
            "rss_mb": round(rss, 1),
            "ceiling_per_s": round(ceiling_rate, 0),
            "ratio": round(accepted / ceiling_rate, 4),
        })
    );
    Ok(())
}

fn describe(errors: &BTreeMap<String, usize>) -> String {
    if errors.is_empty() {
        return "none".into();
    }
    errors
        .iter()
        .map(|(k, v)| format!("{v} × {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs the collector under callgrind and counts the instructions of `n` accepted responses.
/// `valgrind` and `callgrind_annotate` must be installed (`cargo xtask bench --callgrind N`
/// installs them).
fn callgrind(options: &Options, n: usize) -> Result<()> {
    let rt = client::runtime(1)?;
    let collector = Collector::from_env()?;
    let bind = collector.bind.as_str();
    let addr: SocketAddr = bind.parse()?;
    let dir = Path::new("target/bench").join(options.backend.name());
    std::fs::create_dir_all(&dir)?;
    let out: PathBuf = dir.join("callgrind.out");
    let mut server = Process(
        Command::new("valgrind")
            .args([
                "--tool=callgrind",
                "--instr-atstart=no",
                &format!("--callgrind-out-file={}", out.display()),
            ])
            .arg(COLLECTOR_BINARY)
            .arg("serve")
            .spawn()
            .context("starting the collector under valgrind")?,
    );
    wait_listening(bind, &mut server.0, Duration::from_secs(300))?;
    let forms = Arc::new(Forms::new(bind)?);
    check_workloads(&rt, bind, &forms)?;
    let phase = |limit, expect, keep_tickets| Phase {
        addr,
        connections: options.connections.min(8),
        duration: Duration::from_secs(3600),
        mode: Mode::Closed,
        limit,
        expect,
        keep_tickets,
    };
    eprintln!("issuing {n} tickets (not counted)…");
    let issued = client::run(&rt, &phase(n, StatusCode::OK, true), forms.clone())?;
    let tickets = tickets_of(&issued, &forms)?;
    ensure!(
        tickets.len() == n,
        "only {} of {n} forms came back",
        tickets.len()
    );
    let pid = server.0.id().to_string();
    run_command(Command::new("callgrind_control").args(["-i", "on", &pid]))?;
    eprintln!("submitting {n} responses under callgrind…");
    let work = Submit::new(bind, Arc::new(tickets), 0, false)?;
    let submitted = client::run(&rt, &phase(n, StatusCode::CREATED, false), Arc::new(work))?;
    run_command(Command::new("callgrind_control").args(["-d", &pid]))?;
    drop(server);
    ensure!(
        submitted.succeeded == n,
        "{} of {n} accepted: {:?}",
        submitted.succeeded,
        submitted.statuses
    );
    let dump = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|f| f.to_str())
                .is_some_and(|f| f.starts_with("callgrind.out"))
        })
        .max_by_key(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .context("callgrind wrote no dump")?;
    for inclusive in ["no", "yes"] {
        let annotated = Command::new("callgrind_annotate")
            .args([&format!("--inclusive={inclusive}"), "--threshold=100"])
            .arg(&dump)
            .output()
            .context("callgrind_annotate")?;
        let text = String::from_utf8_lossy(&annotated.stdout);
        let total = text
            .lines()
            .find(|l| l.contains("PROGRAM TOTALS"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|t| t.replace(',', "").parse::<f64>().ok())
            .context("no PROGRAM TOTALS in callgrind_annotate's output")?;
        println!(
            "\nTop functions by {} instruction count, {n} accepted responses, {:.0} instructions each (dump: {}):",
            if inclusive == "no" {
                "self"
            } else {
                "inclusive"
            },
            total / n as f64,
            dump.display()
        );
        let lines: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.contains("file:function"))
            .skip(2)
            .filter(|l| !l.trim().is_empty())
            .collect();
        for line in lines.iter().take(30) {
            println!("{line}");
        }
        if inclusive == "yes" {
            println!("\nThe collector's own functions among them, inclusive:");
            for line in lines.iter().filter(|l| l.contains("voce_")).take(20) {
                println!("{line}");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use voce_shared::api::SubmitRequest;
    use voce_shared::{Catalog, Submission};

    use super::*;

    /// The collector's address in the benchmark (`cargo xtask bench` sets `VOCE_BIND` to it).
    const COLLECTOR_BIND: &str = "127.0.0.1:8480";

    #[test]
    fn every_benchmark_body_is_valid_for_every_catalog_questionnaire() -> Result<()> {
        let catalog = Catalog::national().map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut checked = 0;
        for questionnaire in catalog.questionnaires() {
            for body in BODIES {
                let request: SubmitRequest = serde_json::from_str(body)?;
                let submission = Submission {
                    answers: request.answers,
                };
                if let Err(violations) = voce_shared::validate(questionnaire, &submission) {
                    bail!(
                        "{body} is not valid for {}: {violations:?}",
                        questionnaire.id
                    );
                }
                checked += 1;
            }
        }
        ensure!(checked >= 2 * BODIES.len(), "fewer than two questionnaires");
        Ok(())
    }

    #[test]
    fn half_the_bodies_carry_a_free_text() {
        let with_text = BODIES.iter().filter(|b| b.contains("dettagli")).count();
        assert_eq!(with_text, BODIES.len() / 2);
    }

    #[test]
    fn a_submission_carries_its_ticket_origin_and_body() -> Result<()> {
        let forms = Forms::new(COLLECTOR_BIND)?;
        let tickets = (0..3)
            .map(|i| ticket_for(&format!("t{i}"), forms.origin(i)))
            .collect::<Result<Vec<_>>>()?;
        let work = Submit::new(COLLECTOR_BIND, Arc::new(tickets), 1, false)?;
        assert_eq!(work.available(), 2);
        let request = work.request(1);
        assert_eq!(request.method(), Method::POST);
        assert_eq!(request.headers()[AUTHORIZATION], "Bearer t2");
        assert_eq!(request.headers()[ORIGIN], SERVICES[2].1);
        assert_eq!(request.headers()[HOST], COLLECTOR_BIND);
        Ok(())
    }

    #[test]
    fn options_default_to_sqlite_for_ten_seconds_and_refuse_unknown_ones() -> Result<()> {
        let o = parse(&[])?;
        assert_eq!(o.backend, Backend::Sqlite);
        assert_eq!(o.duration, Duration::from_secs(10));
        let args: Vec<String> = ["--backend", "postgres", "--duration", "3"]
            .map(String::from)
            .into();
        let o = parse(&args)?;
        assert_eq!((o.backend, o.duration.as_secs()), (Backend::Postgres, 3));
        assert!(parse(&["--backend".into(), "mysql".into()]).is_err());
        assert!(parse(&["--fast".into()]).is_err());
        assert!(parse(&["--duration".into()]).is_err());
        Ok(())
    }
}
