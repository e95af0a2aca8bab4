//! The search page behind the header's search box: one value goes to its
//! lookup, other text lists the readable incidents holding its words.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use c5hub_hub::reads::{self, Search};
use maud::html;

use super::error_page;
use super::incidents::{enc, rows_table};
use super::page::{Page, page};
use crate::AppState;
use crate::api::incidents::search_page;
use crate::auth::Caller;
use crate::problem::Problem;

pub(crate) async fn search(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let who = match caller.reading(&s.config.org) {
        Ok(v) => v,
        Err(p) => return error_page(&caller, &p),
    };
    let text = q.get("q").map(|v| v.trim().to_owned()).unwrap_or_default();
    let (number, per_page) = match search_page(&q) {
        Ok(p) => p,
        Err((what, why)) => return error_page(&caller, &Problem::invalid(what, why)),
    };
    let found = if text.is_empty() || text.contains('\0') {
        None
    } else {
        let t = text.clone();
        match s
            .pool
            .read(move |st| Ok(reads::search(st, &who, &t, number, per_page)))
            .await
        {
            Ok(Ok(Search::Value(_))) => {
                return Redirect::to(&format!("/lookup?q={}", enc(&text))).into_response();
            }
            // Bad text (too long, too many words) is said on the page.
            Ok(Err(c5hub_hub::Error::Invalid { detail, .. })) => Some(Err(detail)),
            Ok(Err(e)) => return error_page(&caller, &e.into()),
            Ok(Ok(Search::Text {
                hits,
                page,
                per_page,
            })) => Some(Ok((hits, page, per_page))),
            Err(p) => return error_page(&caller, &p),
        }
    };
    let ctx = Page::of(&caller, "Search", "search");
    page(&ctx, html! {
        h1 { "Search" }
        p { "Words find incidents whose title or description holds them all; one value (an address, a domain, a URL, an e-mail address, a phone number, a hash) opens its lookup." }
        form.search method="get" action="/search" role="search" {
            label for="search-page-q" { "Search incidents" }
            input id="search-page-q" type="search" name="q" value=(text) required;
            button type="submit" { "Search" }
        }
        @match &found {
            None => {}
            Some(Err(e)) => { div.error role="alert" { (e) } }
            Some(Ok((hits, page, per_page))) => {
                @if hits.total == 0 {
                    p.notice role="status" { "Nothing found for " q { (text) } ": no incident you may read holds every word in its title or description." }
                } @else {
                    @let first = (page - 1) * per_page + 1;
                    @let last = first + hits.items.len().saturating_sub(1);
                    p role="status" { (hits.total) @if hits.total == 1 { " incident found" } @else { " incidents found" } @if !hits.items.is_empty() { ", " (first) "–" (last) " shown, newest first" } "." }
                    (rows_table(&hits.items, &format!("Incidents matching “{text}”")))
                    nav.pages aria-label="Search result pages" {
                        @if *page > 1 {
                            a rel="prev" href={ "/search?q=" (enc(&text)) "&page=" (page - 1) } { "Newer results" }
                            " "
                        }
                        @if i64::try_from(page * per_page).is_ok_and(|seen| hits.total > seen) {
                            a rel="next" href={ "/search?q=" (enc(&text)) "&page=" (page + 1) } { "Older results" }
                        }
                    }
                }
            }
        }
    })
    .into_response()
}
