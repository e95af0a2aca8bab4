//! The page frame: header, navigation, main landmark.

use axum::response::Html;
use c5hub_model::{Role, Tlp};
use maud::{DOCTYPE, Markup, html};

use crate::auth::Caller;

/// What the frame needs to know about the page and its reader.
pub(crate) struct Page {
    pub(crate) title: String,
    pub(crate) current: &'static str,
    pub(crate) who: Option<(String, String, Role)>,
    pub(crate) csrf: Option<String>,
    /// Unread notifications, for the header's "For you" link.
    pub(crate) unread: Option<i64>,
}

impl Page {
    pub(crate) fn of(caller: &Caller, title: &str, current: &'static str) -> Page {
        Page {
            title: title.to_owned(),
            current,
            who: caller
                .principal
                .as_ref()
                .map(|p| (p.name.clone(), p.org.clone(), p.role)),
            csrf: caller.csrf().map(str::to_owned),
            unread: caller.unread,
        }
    }

    pub(crate) fn anonymous(title: &str) -> Page {
        Page {
            title: title.to_owned(),
            current: "",
            who: None,
            csrf: None,
            unread: None,
        }
    }
}

pub(crate) fn tlp(t: Tlp) -> Markup {
    let class = format!(
        "tlp tlp-{}",
        t.as_str()
            .trim_start_matches("TLP:")
            .to_ascii_lowercase()
            .replace('+', "-")
    );
    html! { span class=(class) { (t.as_str()) } }
}

pub(crate) fn csrf_field(csrf: Option<&str>) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf.unwrap_or_default()); }
}

pub(crate) fn page(p: &Page, body: Markup) -> Html<String> {
    let nav: &[(&str, &str, &str)] = &[
        ("dashboard", "/", "Dashboard"),
        ("incidents", "/incidents", "Incidents"),
        ("submit", "/submit", "Submit"),
        ("lookup", "/lookup", "Lookup"),
        ("assess", "/assess", "Assessment"),
        ("spam", "/spam", "Spam"),
    ];
    Html(html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (p.title) " · c5hub" }
                link rel="stylesheet" href="/assets/style.css";
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    a.brand href="/" { "c5hub" }
                    @if let Some((name, org, role)) = &p.who {
                        nav aria-label="Main" {
                            ul {
                                @for (id, href, label) in nav {
                                    li { a href=(href) aria-current=[(p.current == *id).then_some("page")] { (label) } }
                                }
                                @if role.can_administer() {
                                    li { a href="/admin" aria-current=[(p.current == "admin").then_some("page")] { "Admin" } }
                                }
                            }
                        }
                        form.search method="get" action="/search" role="search" {
                            label.visually-hidden for="site-search" { "Search incidents, or look up an address or domain" }
                            input id="site-search" type="search" name="q" placeholder="Search or look up a value" required;
                            button type="submit" { "Search" }
                        }
                        div.who {
                            a.foryou href="/for-you" aria-current=[(p.current == "for-you").then_some("page")] {
                                "For you"
                                @if let Some(n) = p.unread.filter(|n| *n > 0) {
                                    " " span.unread id="unread-count" { (n) } span.visually-hidden { " unread" }
                                }
                            }
                            span { (name) " · " (org) " · " (role.as_str()) }
                            form.inline method="post" action="/logout" {
                                (csrf_field(p.csrf.as_deref()))
                                button type="submit" { "Log out" }
                            }
                        }
                    }
                }
                main id="main" { (body) }
            }
        }
    }.into_string())
}
