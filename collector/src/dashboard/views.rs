//! The pages that need no statistics: sign-in, refusals, and the navigation each role gets.

use crate::auth::operator::{Operator, Role};

use super::i18n::Lang;
use super::pages::{Frame, Link, Page, Section, SignInPage};

/// The dashboard's sections an operator may visit, `current` marked.
pub fn nav(operator: &Operator, lang: Lang, current: &str) -> Vec<Link> {
    let t = lang.texts();
    let q = format!("?locale={}", lang.code());
    let mut links = Vec::new();
    match operator.role() {
        Role::National | Role::Analyst => {
            links.push(Link::new(t.overview, format!("/dashboard{q}")));
        }
        Role::Body => {
            let body = operator.body().unwrap_or_default();
            links.push(Link::new(
                format!("{} {body}", t.body),
                format!("/dashboard/bodies/{body}{q}"),
            ));
        }
    }
    links.push(Link::new(t.exports, format!("/dashboard/exports{q}")));
    if operator.role() == Role::National {
        links.push(Link::new(t.audit, format!("/dashboard/audit{q}")));
    }
    for link in &mut links {
        link.current = link.href.split('?').next() == Some(current);
    }
    links
}

/// Who is signed in, in words: the role, and the body for a `body` token.
pub fn who(operator: &Operator) -> String {
    match operator.body() {
        Some(body) => format!("{} ({body})", operator.role()),
        None => operator.role().to_string(),
    }
}

/// A frame for a signed-in operator's page at `path`.
pub fn frame(
    operator: &Operator,
    lang: Lang,
    title: impl Into<String>,
    path: &str,
    query: &str,
) -> Frame {
    let mut frame = Frame::new(lang, title, path, query);
    frame.nav = nav(operator, lang, path);
    frame.operator = Some(who(operator));
    frame
}

/// The sign-in page; `refused` after a token was refused.
pub fn sign_in(lang: Lang, refused: bool) -> String {
    let t = lang.texts();
    SignInPage {
        frame: Frame::new(lang, t.sign_in, "/dashboard/sign-in", ""),
        error: refused.then_some(t.token_refused),
    }
    .html()
}

/// A page that says the operator's role may not see what they asked for (the scope named as
/// the API names it), or that it does not exist.
pub fn refusal(operator: Option<&Operator>, lang: Lang, status: u16, detail: &str) -> String {
    let (title, lead) = match (status, lang) {
        (403, Lang::It) => (
            "Accesso non consentito",
            "Il tuo ruolo non consente questa pagina.",
        ),
        (403, Lang::En) => ("Access refused", "Your role does not allow this page."),
        (404, Lang::It) => ("Pagina non trovata", "Non c'è nulla a questo indirizzo."),
        (404, Lang::En) => ("Page not found", "There is nothing at this address."),
        (_, Lang::It) => ("Errore", "La pagina non può essere mostrata ora."),
        (_, Lang::En) => ("Error", "The page cannot be shown now."),
    };
    let mut frame = Frame::new(lang, title, "/dashboard", "");
    if let Some(operator) = operator {
        frame.nav = nav(operator, lang, "");
        frame.operator = Some(who(operator));
    }
    Page {
        frame,
        lead: Some(lead.to_owned()),
        sections: if detail.is_empty() {
            Vec::new()
        } else {
            vec![Section {
                id: "detail".into(),
                heading: lang.texts().detail.to_owned(),
                note: Some(detail.to_owned()),
                parts: Vec::new(),
            }]
        },
    }
    .html()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::IpaCode;

    fn operator(role: Role, body: Option<&str>) -> Operator {
        Operator::new(
            "t1".into(),
            role,
            body.map(|b| IpaCode::parse(b).expect("an IPA code")),
        )
        .expect("an operator")
    }

    #[test]
    fn each_role_is_offered_only_the_sections_it_may_open() {
        let labels = |o: &Operator| -> Vec<String> {
            nav(o, Lang::En, "/dashboard")
                .into_iter()
                .map(|l| l.href)
                .collect()
        };
        assert_eq!(
            labels(&operator(Role::National, None)),
            [
                "/dashboard?locale=en",
                "/dashboard/exports?locale=en",
                "/dashboard/audit?locale=en"
            ]
        );
        assert_eq!(
            labels(&operator(Role::Analyst, None)),
            ["/dashboard?locale=en", "/dashboard/exports?locale=en"]
        );
        assert_eq!(
            labels(&operator(Role::Body, Some("inps"))),
            [
                "/dashboard/bodies/inps?locale=en",
                "/dashboard/exports?locale=en"
            ]
        );
        let national = nav(
            &operator(Role::National, None),
            Lang::It,
            "/dashboard/audit",
        );
        assert_eq!(
            national.iter().map(|l| l.current).collect::<Vec<_>>(),
            [false, false, true]
        );
    }

    #[test]
    fn the_sign_in_page_posts_the_token_and_says_when_it_was_refused() {
        let page = sign_in(Lang::It, true);
        assert!(page.contains(
            r#"<form class="sign-in-form" method="post" action="/dashboard/sign-in?locale=it">"#
        ));
        assert!(page.contains(r#"<textarea id="token" name="token" required"#));
        assert!(page.contains("Token non valido, scaduto o revocato."));
        assert!(!sign_in(Lang::En, false).contains("role=\"alert\""));
    }

    #[test]
    fn a_refusal_names_the_scope_without_showing_data() {
        let page = refusal(
            Some(&operator(Role::Analyst, None)),
            Lang::En,
            403,
            "free-text:inps",
        );
        assert!(page.contains("Access refused"));
        assert!(page.contains("free-text:inps"));
        assert!(page.contains("Signed in as <strong>analyst</strong>"));
    }
}
