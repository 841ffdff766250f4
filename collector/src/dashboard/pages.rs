//! The dashboard's pages as data, and their rendering through askama templates
//! (`collector/templates/dashboard/`, checked at compile time, auto-escaped).
//!
//! Every page is a [`Frame`] (title, language switch, navigation, who is signed in) around a
//! list of [`Section`]s; a section holds parts rendered by the partial templates here: a chart
//! with its table, a filter form, figure cards, an embed snippet, comments, a table, links.
//! Handlers build these from the API's answers; nothing here reads the database.

use askama::Template;

use super::charts::{self, Chart, Table};
use super::i18n::Lang;
use super::texts::Texts;

/// A link: a label and where it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The visible label.
    pub label: String,
    /// The target.
    pub href: String,
    /// Whether it is the page being shown.
    pub current: bool,
    /// The language of the target (for the language switch).
    pub lang: &'static str,
    /// A file name, for a link that downloads.
    pub download: Option<String>,
}

impl Link {
    /// A plain link.
    pub fn new(label: impl Into<String>, href: impl Into<String>) -> Link {
        Link {
            label: label.into(),
            href: href.into(),
            current: false,
            lang: "",
            download: None,
        }
    }
}

/// What surrounds every page.
#[derive(Debug)]
pub struct Frame {
    /// The page's language.
    pub lang: Lang,
    /// Its words.
    pub t: &'static Texts,
    /// The page title (also its `h1`).
    pub title: String,
    /// Where the brand links to.
    pub home: String,
    /// The same page in each language.
    pub langs: Vec<Link>,
    /// The sections the operator may visit.
    pub nav: Vec<Link>,
    /// Who is signed in, in words.
    pub operator: Option<String>,
}

impl Frame {
    /// A frame for the page at `path` with `query` (without `locale`), in `lang`.
    pub fn new(lang: Lang, title: impl Into<String>, path: &str, query: &str) -> Frame {
        let langs = Lang::ALL
            .into_iter()
            .map(|l| Link {
                label: l.name().to_owned(),
                href: with_query(path, &format!("locale={}", l.code()), query),
                current: l == lang,
                lang: l.code(),
                download: None,
            })
            .collect();
        Frame {
            lang,
            t: lang.texts(),
            title: title.into(),
            home: format!("/dashboard?locale={}", lang.code()),
            langs,
            nav: Vec::new(),
            operator: None,
        }
    }
}

/// `path?first&rest`, leaving out an empty `rest`.
pub fn with_query(path: &str, first: &str, rest: &str) -> String {
    if rest.is_empty() {
        format!("{path}?{first}")
    } else {
        format!("{path}?{first}&{rest}")
    }
}

/// A section of a page: a heading, an optional note, and its rendered parts.
#[derive(Debug)]
pub struct Section {
    /// An id, unique on the page.
    pub id: String,
    /// The heading (`h2`).
    pub heading: String,
    /// A note under the heading.
    pub note: Option<String>,
    /// The rendered parts (HTML made by this module's templates).
    pub parts: Vec<String>,
}

/// A page of the dashboard.
#[derive(Template, Debug)]
#[template(path = "dashboard/page.html")]
pub struct Page {
    /// The frame.
    pub frame: Frame,
    /// A sentence under the title.
    pub lead: Option<String>,
    /// The sections.
    pub sections: Vec<Section>,
}

/// The sign-in page.
#[derive(Template, Debug)]
#[template(path = "dashboard/sign_in.html")]
pub struct SignInPage {
    /// The frame.
    pub frame: Frame,
    /// Why the last attempt failed.
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "dashboard/chart.html")]
struct ChartPart<'a> {
    chart: &'a Chart,
    figures: &'static str,
    insufficient: &'static str,
}

#[derive(Template)]
#[template(path = "dashboard/table.html")]
struct TablePart<'a> {
    id: &'a str,
    table: &'a Table,
    insufficient: &'static str,
    nothing: &'static str,
}

/// One option of a filter's select.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// The value sent.
    pub value: String,
    /// The label shown.
    pub label: String,
    /// Whether it is the current value.
    pub selected: bool,
}

/// A select of a filter form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Select {
    /// The query parameter.
    pub name: String,
    /// The label.
    pub label: String,
    /// The options.
    pub options: Vec<Choice>,
}

impl Select {
    /// A select whose options are `(value, label)`, with `current` selected, and first an
    /// option "all" (empty value) when `any` is given.
    pub fn new(
        name: &str,
        label: &str,
        any: Option<&str>,
        options: impl IntoIterator<Item = (String, String)>,
        current: Option<&str>,
    ) -> Select {
        let mut all: Vec<Choice> = any
            .map(|a| Choice {
                value: String::new(),
                label: a.to_owned(),
                selected: current.is_none_or(str::is_empty),
            })
            .into_iter()
            .collect();
        all.extend(options.into_iter().map(|(value, label)| Choice {
            selected: current == Some(value.as_str()),
            value,
            label,
        }));
        Select {
            name: name.to_owned(),
            label: label.to_owned(),
            options: all,
        }
    }
}

/// A date input of a filter form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateInput {
    /// The query parameter.
    pub name: String,
    /// The label.
    pub label: String,
    /// The current value (`YYYY-MM-DD`) or empty.
    pub value: String,
}

#[derive(Template)]
#[template(path = "dashboard/filters.html")]
struct FiltersPart<'a> {
    action: &'a str,
    legend: &'static str,
    apply: &'static str,
    locale: &'static str,
    hidden: &'a [(String, String)],
    selects: &'a [Select],
    dates: &'a [DateInput],
}

/// A figure shown large, with its label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    /// The figure, as text.
    pub value: String,
    /// What it is.
    pub label: String,
    /// Whether the figure is withheld.
    pub suppressed: bool,
}

#[derive(Template)]
#[template(path = "dashboard/cards.html")]
struct CardsPart<'a> {
    cards: &'a [Card],
}

#[derive(Template)]
#[template(path = "dashboard/embed.html")]
struct EmbedPart<'a> {
    id: &'a str,
    heading: &'a str,
    hint: &'static str,
    copy: &'static str,
    missing: &'static str,
    snippet: Option<&'a str>,
}

/// A redacted comment as the dashboard shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The language it was written in.
    pub locale: String,
    /// The redacted text.
    pub text: String,
    /// Its day, as the reader writes it.
    pub day: String,
}

#[derive(Template)]
#[template(path = "dashboard/comments.html")]
struct CommentsPart<'a> {
    comments: Option<&'a [Comment]>,
    empty: &'static str,
    forbidden: &'static str,
}

#[derive(Template)]
#[template(path = "dashboard/links.html")]
struct LinksPart<'a> {
    class: &'a str,
    links: &'a [Link],
}

fn render(template: &impl Template) -> String {
    // The templates are checked at compile time and write to a String: rendering cannot fail
    // short of running out of memory.
    template.render().unwrap_or_default()
}

/// The parts of a section, rendered in the page's language.
pub struct Parts {
    lang: Lang,
}

impl Parts {
    /// Parts in `lang`.
    pub fn new(lang: Lang) -> Parts {
        Parts { lang }
    }

    /// A chart, its summary and its table.
    pub fn chart(&self, chart: &Chart) -> String {
        render(&ChartPart {
            chart,
            figures: self.lang.texts().figures,
            insufficient: charts::insufficient(self.lang),
        })
    }

    /// A table.
    pub fn table(&self, id: &str, table: &Table) -> String {
        render(&TablePart {
            id,
            table,
            insufficient: charts::insufficient(self.lang),
            nothing: self.lang.texts().nothing,
        })
    }

    /// A filter form that sends `selects` and `dates` (and `hidden` as they are) to `action`.
    pub fn filters(
        &self,
        action: &str,
        hidden: &[(String, String)],
        selects: &[Select],
        dates: &[DateInput],
    ) -> String {
        let t = self.lang.texts();
        render(&FiltersPart {
            action,
            legend: t.filters,
            apply: t.apply,
            locale: self.lang.code(),
            hidden,
            selects,
            dates,
        })
    }

    /// Figures shown large.
    pub fn cards(&self, cards: &[Card]) -> String {
        render(&CardsPart { cards })
    }

    /// An embed snippet ready to copy, or why there is none.
    pub fn embed(&self, id: &str, heading: &str, snippet: Option<&str>) -> String {
        let t = self.lang.texts();
        render(&EmbedPart {
            id,
            heading,
            hint: t.embed_hint,
            copy: t.copy,
            missing: t.embed_missing,
            snippet,
        })
    }

    /// The comments, or (`None`) the words saying the role may not read them.
    pub fn comments(&self, comments: Option<&[Comment]>) -> String {
        let t = self.lang.texts();
        render(&CommentsPart {
            comments,
            empty: t.no_comments,
            forbidden: t.comments_forbidden,
        })
    }

    /// Links drawn as buttons.
    pub fn links(&self, class: &str, links: &[Link]) -> String {
        render(&LinksPart { class, links })
    }
}

impl Page {
    /// The page as HTML.
    pub fn html(&self) -> String {
        render(self)
    }
}

impl SignInPage {
    /// The page as HTML.
    pub fn html(&self) -> String {
        render(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::charts::{Estimate, Figure, RankedRow, Scale, ranked};

    fn overview(lang: Lang) -> String {
        let rows = vec![
            RankedRow {
                label: "INPS – NASpI".into(),
                figure: Figure::Shown {
                    n: 1200,
                    estimate: Estimate {
                        value: 4.21,
                        low: 4.1,
                        high: 4.3,
                    },
                },
                significance: None,
                href: String::new(),
            },
            RankedRow {
                label: "Comune di Roccapiccola".into(),
                figure: Figure::Suppressed { below: Some(10) },
                significance: None,
                href: String::new(),
            },
        ];
        let chart = ranked("ranked", "Servizi", "facilita", Scale::Rating, &rows, lang);
        let parts = Parts::new(lang);
        let mut frame = Frame::new(lang, "Quadro nazionale", "/dashboard", "period=2026-10");
        frame.operator = Some("national".into());
        frame.nav = vec![Link {
            current: true,
            ..Link::new("Quadro", "/dashboard")
        }];
        Page {
            frame,
            lead: Some("Ottobre 2026".into()),
            sections: vec![Section {
                id: "ranked".into(),
                heading: "Servizi".into(),
                note: None,
                parts: vec![
                    parts.filters(
                        "/dashboard",
                        &[],
                        &[Select::new(
                            "granularity",
                            "Dettaglio",
                            None,
                            [("month".to_owned(), "mese".to_owned())],
                            Some("month"),
                        )],
                        &[],
                    ),
                    parts.chart(&chart),
                ],
            }],
        }
        .html()
    }

    #[test]
    fn a_page_has_its_language_a_skip_link_a_landmark_and_the_language_switch() {
        let html = overview(Lang::It);
        assert!(html.contains(r#"<html lang="it">"#));
        assert!(html.contains(r##"<a class="skip" href="#main">Vai al contenuto principale</a>"##));
        assert!(html.contains(r#"<main id="main" tabindex="-1">"#));
        assert!(html.contains(
            r#"<a href="/dashboard?locale=en&#38;period=2026-10" lang="en" hreflang="en">English</a>"#
        ));
        assert!(html.contains(r#"lang="it" hreflang="it" aria-current="true">Italiano</a>"#));
        assert!(html.contains(r#"aria-current="page">Quadro</a>"#));
        assert!(html.contains(r#"<option value="month" selected>mese</option>"#));
    }

    #[test]
    fn a_page_has_no_inline_script_or_style_so_a_strict_csp_holds() {
        let html = overview(Lang::En);
        assert_eq!(html.matches("<script").count(), 1);
        assert!(html.contains(r#"<script src="/dashboard/static/dashboard.js" defer></script>"#));
        assert!(!html.contains(" style="));
        assert!(!html.contains("<style"));
        // No inline event handler: no ` on…=` attribute.
        assert!(html.split(" on").skip(1).all(|rest| {
            let name_end = rest.trim_start_matches(|c: char| c.is_ascii_lowercase());
            name_end.len() == rest.len() || !name_end.starts_with('=')
        }));
    }

    #[test]
    fn a_suppressed_cell_reads_insufficient_data_in_chart_and_table_with_no_figure() {
        let html = overview(Lang::It);
        assert!(html.contains(r#"<th scope="row">Comune di Roccapiccola</th><td>&#60; 10</td><td class="suppressed">dati insufficienti</td><td class="suppressed">dati insufficienti</td>"#), "{html}");
        assert!(html.contains(r##"<text class="suppressed" x="236" y="59.5" font-style="italic" fill="#5d7083">dati insufficienti</text>"##));
        let en = overview(Lang::En);
        assert!(en.contains(r#"<td class="suppressed">insufficient data</td>"#));
        assert!(!en.contains("dati insufficienti"));
    }

    #[test]
    fn text_from_the_data_is_escaped_in_the_page() {
        let parts = Parts::new(Lang::It);
        let html = parts.comments(Some(&[Comment {
            locale: "it".into(),
            text: "<img src=x onerror=alert(1)>".into(),
            day: "3 ott 2026".into(),
        }]));
        assert!(html.contains("&#60;img src=x onerror=alert(1)&#62;"));
        assert!(!html.contains("<img"));
        assert!(parts.comments(None).contains("non consente"));
        assert!(parts.comments(Some(&[])).contains("Nessun commento"));
    }

    #[test]
    fn an_embed_snippet_is_offered_in_a_readonly_field_with_a_copy_button_hidden_without_script() {
        let parts = Parts::new(Lang::It);
        let html = parts.embed(
            "embed-inps-naspi",
            "NASpI",
            Some(r#"<script src="x.js" integrity="sha384-abc"></script>"#),
        );
        assert!(
            html.contains(
                r#"<textarea id="embed-inps-naspi" readonly rows="4">&#60;script src=&#34;x.js&#34;"#
            ),
            "{html}"
        );
        assert!(html.contains(r#"data-copy="embed-inps-naspi""#));
        assert!(html.contains(" hidden>Copia</button>"));
        assert!(parts.embed("e", "h", None).contains("cargo xtask widget"));
    }
}
