//! Every word of the dashboard's pages, in Italian and English (charts keep their own words in
//! [`super::charts`]).

use super::i18n::Lang;

/// The words of the pages in one language.
#[derive(Debug)]
pub struct Texts {
    /// The product name in the header.
    pub brand: &'static str,
    /// The skip link.
    pub skip: &'static str,
    /// The label of the main navigation.
    pub nav_label: &'static str,
    /// The label of the language switch.
    pub lang_label: &'static str,
    /// National overview.
    pub overview: &'static str,
    /// A body's page.
    pub body: &'static str,
    /// A service's page.
    pub service: &'static str,
    /// Exports.
    pub exports: &'static str,
    /// The audit log.
    pub audit: &'static str,
    /// Sign in.
    pub sign_in: &'static str,
    /// Sign out.
    pub sign_out: &'static str,
    /// The label of the token field.
    pub token_label: &'static str,
    /// The hint under the token field.
    pub token_hint: &'static str,
    /// A refused token.
    pub token_refused: &'static str,
    /// "Signed in as".
    pub signed_in_as: &'static str,
    /// The heading of the figures table under a chart.
    pub figures: &'static str,
    /// Filters.
    pub filters: &'static str,
    /// Apply the filters.
    pub apply: &'static str,
    /// Period.
    pub period: &'static str,
    /// From.
    pub from: &'static str,
    /// To.
    pub to: &'static str,
    /// Granularity.
    pub granularity: &'static str,
    /// Indicator.
    pub indicator: &'static str,
    /// Service kind.
    pub service_kind: &'static str,
    /// Body kind.
    pub body_kind: &'static str,
    /// Any value of a filter.
    pub any: &'static str,
    /// The channel filter's label.
    pub channel: &'static str,
    /// The attestation filter's label.
    pub verified: &'static str,
    /// Its choice for attested responses.
    pub verified_yes: &'static str,
    /// Its choice for unattested responses.
    pub verified_no: &'static str,
    /// The note on multiple comparisons.
    pub multiple_comparisons: &'static str,
    /// The embed snippet's heading.
    pub embed: &'static str,
    /// The embed snippet's explanation.
    pub embed_hint: &'static str,
    /// When the widget is not built.
    pub embed_missing: &'static str,
    /// Copy.
    pub copy: &'static str,
    /// Response rate.
    pub response_rate: &'static str,
    /// Tickets issued.
    pub tickets: &'static str,
    /// Responses.
    pub responses: &'static str,
    /// Follow-up reasons.
    pub reasons: &'static str,
    /// Latest comments.
    pub comments: &'static str,
    /// No comments.
    pub no_comments: &'static str,
    /// Comments not readable by the role.
    pub comments_forbidden: &'static str,
    /// Who.
    pub who: &'static str,
    /// What.
    pub what: &'static str,
    /// When.
    pub when: &'static str,
    /// Detail.
    pub detail: &'static str,
    /// Nothing to show.
    pub nothing: &'static str,
    /// The page footer.
    pub footer: &'static str,
    /// Under figures that are perturbed (the cell key method).
    pub perturbed: &'static str,
    /// Under a body's own figures, exact, with perturbed references.
    pub own_exact: &'static str,
    /// Under exact figures (the national team).
    pub exact: &'static str,
}

/// Italian.
pub const IT: Texts = Texts {
    brand: "Voce · cruscotto",
    skip: "Vai al contenuto principale",
    nav_label: "Sezioni del cruscotto",
    lang_label: "Lingua",
    overview: "Quadro nazionale",
    body: "Ente",
    service: "Servizio",
    exports: "Esportazioni",
    audit: "Registro degli accessi",
    sign_in: "Accedi",
    sign_out: "Esci",
    token_label: "Token dell'operatore",
    token_hint: "Incolla il token ricevuto con voce-collector token issue. La sessione scade con il token.",
    token_refused: "Token non valido, scaduto o revocato.",
    signed_in_as: "Accesso come",
    figures: "Dati del grafico",
    filters: "Filtri",
    apply: "Applica",
    period: "Periodo",
    from: "Dal",
    to: "Al",
    granularity: "Dettaglio temporale",
    indicator: "Indicatore",
    service_kind: "Tipo di servizio",
    body_kind: "Tipo di ente",
    any: "Tutti",
    channel: "Canale",
    verified: "Completamento attestato",
    verified_yes: "solo attestate",
    verified_no: "solo non attestate",
    multiple_comparisons: "Con molti confronti nella stessa tabella alcune differenze risultano significative per caso: leggerle insieme.",
    embed: "Codice da incorporare",
    embed_hint: "Copia questo codice nella pagina del servizio: carica il widget con il controllo di integrità (SRI).",
    embed_missing: "Il widget non è ancora stato compilato su questo server (cargo xtask widget).",
    copy: "Copia",
    response_rate: "Tasso di risposta",
    tickets: "Ticket emessi",
    responses: "Risposte",
    reasons: "Motivi indicati",
    comments: "Ultimi commenti (anonimizzati)",
    no_comments: "Nessun commento pubblicabile.",
    comments_forbidden: "Il tuo ruolo non consente di leggere i commenti.",
    who: "Chi",
    what: "Azione",
    when: "Quando",
    detail: "Dettaglio",
    nothing: "Nessun dato.",
    footer: "Le celle con meno di k risposte non sono pubblicate (dati insufficienti). Intervalli di confidenza al 95%.",
    perturbed: "I dati sono perturbati con il metodo della chiave di cella: ogni conteggio può differire di ±2 dal vero, una media di n risposte di ±1,5/n; la stessa cella ha sempre lo stesso valore. Le celle vuote o con meno di k risposte non sono pubblicate.",
    own_exact: "I dati del tuo ente sono esatti; i riferimenti nazionali (gli altri enti) sono perturbati con il metodo della chiave di cella e mostrati solo se formati da almeno tre altri enti.",
    exact: "Dati esatti (profilo nazionale): ogni tabella è protetta con la soppressione primaria e complementare.",
};

/// English.
pub const EN: Texts = Texts {
    brand: "Voce · dashboard",
    skip: "Skip to main content",
    nav_label: "Dashboard sections",
    lang_label: "Language",
    overview: "National overview",
    body: "Body",
    service: "Service",
    exports: "Exports",
    audit: "Audit log",
    sign_in: "Sign in",
    sign_out: "Sign out",
    token_label: "Operator token",
    token_hint: "Paste the token you received from voce-collector token issue. The session expires with the token.",
    token_refused: "The token is invalid, expired or revoked.",
    signed_in_as: "Signed in as",
    figures: "Chart data",
    filters: "Filters",
    apply: "Apply",
    period: "Period",
    from: "From",
    to: "To",
    granularity: "Time detail",
    indicator: "Indicator",
    service_kind: "Service kind",
    body_kind: "Body kind",
    any: "All",
    channel: "Channel",
    verified: "Attested completion",
    verified_yes: "attested only",
    verified_no: "unattested only",
    multiple_comparisons: "With many comparisons in one table some differences come out significant by chance: read them together.",
    embed: "Embed code",
    embed_hint: "Copy this code into the service's page: it loads the widget with an integrity check (SRI).",
    embed_missing: "The widget has not been built on this server yet (cargo xtask widget).",
    copy: "Copy",
    response_rate: "Response rate",
    tickets: "Tickets issued",
    responses: "Responses",
    reasons: "Reasons given",
    comments: "Latest comments (redacted)",
    no_comments: "No comment can be shown.",
    comments_forbidden: "Your role may not read comments.",
    who: "Who",
    what: "Action",
    when: "When",
    detail: "Detail",
    nothing: "No data.",
    footer: "Cells with fewer than k responses are not published (insufficient data). 95% confidence intervals.",
    perturbed: "Figures are perturbed by the cell key method: every count may differ from the true one by ±2, a mean of n responses by ±1.5/n; the same cell always has the same value. Empty cells and cells with fewer than k responses are not published.",
    own_exact: "Your body's figures are exact; the national references (the other bodies) are perturbed by the cell key method and shown only when made of at least three other bodies.",
    exact: "Exact figures (national role): each table is protected by primary and complementary suppression.",
};

impl Lang {
    /// The words of the pages in this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::It => &IT,
            Lang::En => &EN,
        }
    }
}
