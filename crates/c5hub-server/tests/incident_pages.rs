//! The incident pages over real HTTP, on SQLite and PostgreSQL: forms
//! that come back with what was typed and each message beside its field,
//! pickers of real values, and the export buttons (with TLP applied as the
//! API's export applies it).

mod support;

use c5hub_model::{OrgKind, Role};
use serde_json::Value;
use support::web::Browser;
use support::{Hub, locations};

const PASSWORD: &str = "correct horse battery staple";

/// A hub with organisations `bank` and `telco`, an analyst in each and a
/// viewer in `bank`.
fn hub(name: &str) -> Vec<Hub> {
    locations(name)
        .into_iter()
        .map(|loc| {
            let hub = Hub::start(loc, false);
            let mut st = hub.store();
            for org in ["bank", "telco"] {
                st.accounts().add_org(org, OrgKind::Operator).expect("org");
            }
            for (email, org, role) in [
                ("analyst@bank.test", "bank", Role::Analyst),
                ("second@bank.test", "bank", Role::Analyst),
                ("viewer@bank.test", "bank", Role::Viewer),
                ("analyst@telco.test", "telco", Role::Analyst),
            ] {
                st.accounts()
                    .add_user(email, org, role, Some(PASSWORD))
                    .expect("user");
            }
            // PostgreSQL stores are closed on plain threads, as the server does.
            std::thread::spawn(move || drop(st)).join().expect("close");
            hub
        })
        .collect()
}

/// Submits through the form; returns the new incident's page path.
fn submit(b: &Browser, fields: &[(&str, &str)]) -> String {
    let r = b.post("/submit/form", fields);
    assert_eq!(r.status, 303, "{}", r.text());
    r.location
}

#[test]
fn a_refused_submission_comes_back_with_what_was_typed_and_plain_messages() {
    for hub in hub("ui_submit_recovers") {
        let bank = Browser::user(&hub, "analyst@bank.test", PASSWORD);
        let form = bank.get("/submit").text();
        // Pickers of real values: the taxonomy and the organisations.
        assert!(form.contains("<option value=\"fraud/phishing\">"), "{form}");
        assert!(
            form.contains("<option value=\"telco\">telco</option>"),
            "{form}"
        );

        // The example: a bare id, a class that is no class, an
        // observable that is no value, on the form's second line.
        let bad = bank.post(
            "/submit/form",
            &[
                ("id", "INC-42"),
                ("title", "Typed title"),
                ("classification", "phishing"),
                ("tlp", "TLP:GREEN"),
                ("observables", "198.51.100.7\n999.1.1.1"),
                ("description", "kept description"),
            ],
        );
        let page = bad.text();
        assert_eq!(bad.status, 400, "{page}");
        for said in [
            "Observables, line 2: 999.1.1.1 is not an IP address or domain",
            "Incident id: expected `name:id`",
            "RSIT class: phishing is not a class of the RSIT taxonomy: pick one from the list",
            "value=\"INC-42\"",
            "value=\"Typed title\"",
            "value=\"phishing\"",
            ">198.51.100.7\n999.1.1.1</textarea>",
            ">kept description</textarea>",
            "<option value=\"TLP:GREEN\" selected>",
        ] {
            assert!(page.contains(said), "missing {said:?} in {page}");
        }
        assert!(!page.contains("Back to the dashboard"), "{page}");
        assert!(!page.contains("/observables/1/value"), "{page}");

        // A sharing list naming nobody (a forged form) is said beside it,
        // with the hub's own check.
        let bad = bank.post(
            "/submit/form",
            &[
                ("id", "bank:INC-1"),
                ("title", "t"),
                ("tlp", "TLP:AMBER"),
                ("shared_with", "telco"),
                ("shared_with", "nosuch"),
            ],
        );
        assert_eq!(bad.status, 422, "{}", bad.text());
        assert!(
            bad.text().contains("Share AMBER with: shared_with names &quot;nosuch&quot;, which is not an organisation of this hub"),
            "{}",
            bad.text()
        );
        assert!(bad.text().contains("<option value=\"telco\" selected>"));

        // Without an id the hub makes one from the organisation's name.
        let made = submit(&bank, &[("title", "no id"), ("tlp", "TLP:CLEAR")]);
        let page = bank.get(&made).text();
        assert!(page.contains("<code>bank:INC-"), "{page}");

        // An upload without a file comes back with the lists it had.
        let up = bank.post_multipart(
            "/submit",
            &[
                ("document".into(), Some("empty.xml"), Vec::new()),
                ("shared_with".into(), None, b"telco".to_vec()),
            ],
        );
        assert_eq!(up.status, 400, "{}", up.text());
        assert!(
            up.text().contains("Document: choose a file to upload"),
            "{}",
            up.text()
        );
        assert!(
            up.text().contains("<option value=\"telco\" selected>"),
            "{}",
            up.text()
        );
        hub.stop();
    }
}

#[test]
fn a_mistyped_class_filter_is_said_beside_the_filter_on_the_list() {
    for hub in hub("ui_filter_recovers") {
        let bank = Browser::user(&hub, "analyst@bank.test", PASSWORD);
        let r = bank.get("/incidents?classification=fraud&reporter=bank");
        let page = r.text();
        assert_eq!(r.status, 400, "{page}");
        assert!(page.contains("<h1>Incidents</h1>"), "{page}");
        assert!(
            page.contains("id=\"err-classification\" role=\"alert\">RSIT class: fraud is not a class of the RSIT taxonomy"),
            "{page}"
        );
        assert!(page.contains("value=\"fraud\""), "{page}");
        assert!(page.contains("value=\"bank\""), "{page}");
        assert!(!page.contains("Back to the dashboard"), "{page}");
        hub.stop();
    }
}

#[test]
fn triage_forms_come_back_with_the_refusal_beside_the_field() {
    for hub in hub("ui_triage_recovers") {
        let bank = Browser::user(&hub, "analyst@bank.test", PASSWORD);
        let path = submit(
            &bank,
            &[("id", "bank:T-1"), ("title", "t"), ("tlp", "TLP:CLEAR")],
        );
        // The assignee picker offers the users who may take it, and only
        // those (telco neither handles nor is named).
        let page = bank.get(&path).text();
        assert!(
            page.contains("<option value=\"second@bank.test\">"),
            "{page}"
        );
        assert!(!page.contains("analyst@telco.test"), "{page}");

        let r = bank.post(
            &format!("{path}/assignee"),
            &[("assignee", "ghost@bank.test")],
        );
        assert_eq!(r.status, 422, "{}", r.text());
        let page = r.text();
        assert!(page.contains("id=\"err-assignee\""), "{page}");
        assert!(page.contains("is not an active user"), "{page}");
        assert!(page.contains("value=\"ghost@bank.test\""), "{page}");

        let r = bank.post(&format!("{path}/comments"), &[("body", "")]);
        assert_eq!(r.status, 400, "{}", r.text());
        assert!(r.text().contains("id=\"err-body\""), "{}", r.text());

        // Another organisation's analyst reads the CLEAR incident, is
        // refused triage, and is told why beside the form it sent (sent
        // by hand: the page does not offer it).
        let telco = Browser::user(&hub, "analyst@telco.test", PASSWORD);
        let r = telco.post(
            &format!("{path}/status"),
            &[("status", "closed"), ("note", "kept note")],
        );
        assert_eq!(r.status, 403, "{}", r.text());
        let page = r.text();
        assert!(
            page.contains("only the reporting organisation (bank)"),
            "{page}"
        );
        assert!(!page.contains("Back to the dashboard"), "{page}");
        hub.stop();
    }
}

#[test]
fn export_buttons_download_what_the_reader_may_read_in_each_format() {
    for hub in hub("ui_export") {
        let bank = Browser::user(&hub, "analyst@bank.test", PASSWORD);
        let amber = submit(
            &bank,
            &[
                ("id", "bank:SECRET-1"),
                ("title", "amber"),
                ("tlp", "TLP:AMBER"),
                ("observables", "203.0.113.9"),
            ],
        );
        submit(
            &bank,
            &[
                ("id", "bank:OPEN-1"),
                ("title", "clear"),
                ("tlp", "TLP:CLEAR"),
                ("observables", "198.51.100.1"),
            ],
        );
        let list = bank.get("/incidents?tlp=TLP:CLEAR").text();
        assert!(
            list.contains("href=\"/incidents/export?format=csv&amp;tlp=TLP%3ACLEAR\""),
            "{list}"
        );
        let telco = Browser::user(&hub, "analyst@telco.test", PASSWORD);
        for (format, ct, ext) in [
            ("iodef-xml", "xml", "xml"),
            ("iodef-json", "json", "json"),
            ("csv", "text/csv", "csv"),
        ] {
            let r = telco.get(&format!("/incidents/export?format={format}"));
            assert_eq!(r.status, 200, "{}", r.text());
            assert!(r.content_type.contains(ct), "{format}: {}", r.content_type);
            assert_eq!(
                r.disposition,
                format!("attachment; filename=\"c5hub-incidents.{ext}\"")
            );
            let text = r.text();
            assert!(
                text.contains("OPEN-1") && text.contains("198.51.100.1"),
                "{format}: {text}"
            );
            // TLP as the API applies it: telco may not read the AMBER one.
            assert!(
                !text.contains("SECRET-1") && !text.contains("203.0.113.9"),
                "{format}: {text}"
            );
            let api = support::get(&hub.url(&format!("/api/v1/export?format={format}")), None);
            assert_eq!(api.status, 401);
            // The reporter's own export of one incident holds it.
            let one = bank.get(&format!("{amber}/export?format={format}"));
            assert_eq!(one.status, 200);
            assert!(one.text().contains("SECRET-1"), "{}", one.text());
            // Another organisation's is "not found", like the page.
            assert_eq!(
                telco.get(&format!("{amber}/export?format={format}")).status,
                404
            );
        }
        let filtered = bank
            .get("/incidents/export?format=csv&tlp=TLP:CLEAR")
            .text();
        assert!(
            filtered.contains("OPEN-1") && !filtered.contains("SECRET-1"),
            "{filtered}"
        );
        let page = bank.get(&amber).text();
        assert!(
            page.contains(&format!("href=\"{amber}/export?format=iodef-json\"")),
            "{page}"
        );
        hub.stop();
    }
}

/// The rows of the first table after the list's filters.
fn listed(page: &str) -> usize {
    page.split("<tbody>")
        .nth(1)
        .and_then(|t| t.split("</tbody>").next())
        .map_or(0, |t| t.matches("<tr>").count())
}

#[test]
fn dashboard_counts_open_the_list_of_what_they_counted_and_dates_filter_it() {
    for hub in hub("ui_dashboard_links") {
        let bank = Browser::user(&hub, "analyst@bank.test", PASSWORD);
        for (id, class, tlp) in [
            ("bank:D-1", "fraud/phishing", "TLP:GREEN"),
            ("bank:D-2", "fraud/phishing", "TLP:AMBER"),
            ("bank:D-3", "availability/ddos", "TLP:GREEN"),
        ] {
            submit(
                &bank,
                &[
                    ("id", id),
                    ("title", id),
                    ("classification", class),
                    ("tlp", tlp),
                ],
            );
        }
        let dash = bank.get("/").text();
        for (href, n) in [
            ("/incidents?classification=fraud%2Fphishing", 2),
            ("/incidents?classification=availability%2Fddos", 1),
            ("/incidents?tlp=TLP%3AGREEN", 2),
            ("/incidents?status=new", 3),
            ("/incidents", 3),
        ] {
            assert!(
                dash.contains(&format!(
                    "<a href=\"{href}\" aria-label=\"{n} incidents\">{n}</a>"
                )) || dash.contains(&format!("<a href=\"{href}\">{n}</a>")),
                "{href} counted {n}: {dash}"
            );
            let list = bank.get(href).text();
            assert_eq!(listed(&list), n, "{href}");
            assert!(
                list.contains(&format!(
                    "{n} incident{} in all",
                    if n == 1 { "" } else { "s" }
                )),
                "{href}: {list}"
            );
        }
        let today = chrono::Utc::now().date_naive();
        let tomorrow = today.succ_opt().expect("a day after today");
        assert_eq!(
            listed(
                &bank
                    .get(&format!("/incidents?from={today}&to={today}"))
                    .text()
            ),
            3
        );
        assert_eq!(
            listed(&bank.get(&format!("/incidents?from={tomorrow}")).text()),
            0
        );
        let bad = bank.get("/incidents?from=yesterday");
        assert_eq!(bad.status, 400);
        assert!(
            bad.text()
                .contains("Received from: &quot;yesterday&quot; is not a date"),
            "{}",
            bad.text()
        );
        // The export follows the date range as the list does.
        let csv = bank
            .get(&format!("/incidents/export?format=csv&from={tomorrow}"))
            .text();
        assert!(!csv.contains("bank:D-1"), "{csv}");
        // The member's panels: assigned to me, and new and unassigned.
        let r = bank.post(
            "/incidents/1/assignee",
            &[("assignee", "analyst@bank.test")],
        );
        assert_eq!(r.status, 303, "{}", r.text());
        let dash = bank.get("/").text();
        let panel = |id: &str| {
            dash.split(&format!("id=\"{id}\""))
                .nth(1)
                .and_then(|p| p.split("</section>").next())
                .unwrap_or_default()
                .to_owned()
        };
        let (mine, waiting) = (panel("assigned-to-me"), panel("new-unassigned"));
        assert!(
            mine.contains(">bank:D-1<") && !mine.contains("bank:D-2"),
            "{mine}"
        );
        assert!(
            waiting.contains(">bank:D-2<")
                && waiting.contains(">bank:D-3<")
                && !waiting.contains("bank:D-1"),
            "{waiting}"
        );
        assert!(
            mine.contains("href=\"/incidents?assignee=analyst%40bank.test\""),
            "{mine}"
        );
        assert_eq!(
            listed(&bank.get("/incidents?assignee=analyst%40bank.test").text()),
            1
        );
        assert_eq!(
            listed(
                &bank
                    .get("/incidents?status=new&unassigned=true&reporter=bank")
                    .text()
            ),
            2
        );
        // Spam reports stay out of "Most recent" unless asked; "not this
        // class" is a list filter too.
        submit(
            &bank,
            &[
                ("id", "bank:SPAM-1"),
                ("title", "SPAM-1 sms spam report"),
                ("classification", "abusive-content/spam"),
                ("tlp", "TLP:GREEN"),
            ],
        );
        let recent = |path: &str| {
            bank.get(path)
                .text()
                .split("id=\"recent\"")
                .nth(1)
                .unwrap_or_default()
                .to_owned()
        };
        assert!(!recent("/").contains("SPAM-1 sms spam report"));
        assert!(recent("/").contains("bank:D-3"));
        assert!(recent("/?spam=1").contains("SPAM-1 sms spam report"));
        assert_eq!(
            listed(
                &bank
                    .get("/incidents?not_classification=abusive-content%2Fspam")
                    .text()
            ),
            3
        );
        // A second page links back to the first.
        let second = bank.get("/incidents?limit=1&cursor=3").text();
        assert!(
            second.contains("<a href=\"/incidents?limit=1\" rel=\"first\">First page</a>"),
            "{second}"
        );
        hub.stop();
    }
}

#[test]
fn bulk_status_changes_what_the_rule_allows_and_says_why_not_for_the_rest() {
    for hub in hub("ui_bulk") {
        let bank = Browser::user(&hub, "analyst@bank.test", PASSWORD);
        let telco = Browser::user(&hub, "analyst@telco.test", PASSWORD);
        let ours = submit(
            &bank,
            &[("id", "bank:B-1"), ("title", "ours"), ("tlp", "TLP:CLEAR")],
        );
        let theirs = submit(
            &telco,
            &[
                ("id", "telco:B-2"),
                ("title", "theirs"),
                ("tlp", "TLP:CLEAR"),
            ],
        );
        let hidden = submit(
            &telco,
            &[
                ("id", "telco:B-3"),
                ("title", "hidden"),
                ("tlp", "TLP:AMBER"),
            ],
        );
        let key = |p: &str| p.rsplit('/').next().expect("key").to_owned();
        let (ours, theirs, hidden) = (key(&ours), key(&theirs), key(&hidden));
        let list = bank.get("/incidents").text();
        assert!(
            list.contains(&format!("name=\"id\" value=\"{ours}\" form=\"bulk\"")),
            "{list}"
        );
        let r = bank.post(
            "/incidents/bulk",
            &[
                ("id", &ours),
                ("id", &theirs),
                ("id", &hidden),
                ("status", "in-progress"),
                ("assignee", ""),
            ],
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let page = r.text();
        let section = |id: &str| {
            page.split(&format!("id=\"{id}\""))
                .nth(1)
                .and_then(|p| p.split("</section>").next())
                .unwrap_or_default()
                .to_owned()
        };
        let (done, refused) = (section("bulk-done"), section("bulk-refused"));
        assert!(
            done.contains(&format!("Incident {ours}<"))
                && !done.contains(&format!("Incident {theirs}<")),
            "{done}"
        );
        assert!(
            refused.contains(&format!(
                "Incident {theirs}</a>: only the reporting organisation (telco)"
            )),
            "{refused}"
        );
        // What bank may not read is "not found", like anywhere else.
        assert!(
            refused.contains(&format!("Incident {hidden}</a>: incident {hidden}")),
            "{refused}"
        );
        assert!(
            bank.get(&format!("/incidents/{ours}"))
                .text()
                .contains("<dd id=\"status\">in-progress</dd>")
        );
        assert!(
            telco
                .get(&format!("/incidents/{theirs}"))
                .text()
                .contains("<dd id=\"status\">new</dd>")
        );
        // Nothing selected: said, nothing changed.
        let r = bank.post("/incidents/bulk", &[("status", "closed")]);
        assert_eq!(r.status, 400);
        assert!(
            r.text().contains("select at least one incident"),
            "{}",
            r.text()
        );
        // The bulk export holds the selected incidents bank may read.
        let r = bank.post(
            "/incidents/bulk/export",
            &[("id", &ours), ("id", &hidden), ("format", "csv")],
        );
        assert_eq!(r.status, 200);
        assert_eq!(r.disposition, "attachment; filename=\"c5hub-selected.csv\"");
        let csv = r.text();
        assert!(
            csv.contains("bank:B-1") && !csv.contains("telco:B-3"),
            "{csv}"
        );
        hub.stop();
    }
}

/// The `<tbody>` rows' titles of the list page, in order.
fn titles(page: &str) -> Vec<String> {
    let body = page
        .split("<tbody>")
        .nth(1)
        .and_then(|t| t.split("</tbody>").next())
        .unwrap_or_default();
    body.split("<tr>")
        .skip(1)
        .filter_map(|row| {
            // The second link of a row is its title.
            let link = row.split("<a href=\"/incidents/").nth(2)?;
            let text = link.split_once("\">")?.1;
            text.split("</a>").next().map(str::to_owned)
        })
        .collect()
}

#[test]
fn the_list_sorts_by_its_columns_in_the_api_the_page_and_the_export() {
    for hub in hub("ui_sort") {
        let bank = Browser::user(&hub, "analyst@bank.test", PASSWORD);
        for (id, title, tlp, class) in [
            ("bank:S-1", "delta", "TLP:GREEN", "fraud/phishing"),
            ("bank:S-2", "Alpha", "TLP:CLEAR", "availability/ddos"),
            ("bank:S-3", "charlie", "TLP:AMBER", "fraud/phishing"),
            (
                "bank:S-4",
                "bravo",
                "TLP:RED",
                "malicious-code/infected-system",
            ),
        ] {
            submit(
                &bank,
                &[
                    ("id", id),
                    ("title", title),
                    ("tlp", tlp),
                    ("classification", class),
                ],
            );
        }
        let api = |b: &Browser, query: &str| -> Value {
            let r = b.get(&format!("/api/v1/incidents?{query}"));
            assert_eq!(r.status, 200, "{query}: {}", r.text());
            serde_json::from_slice(&r.body).expect("a page")
        };
        let items = |page: &Value| -> Vec<String> {
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| i["title"].as_str().unwrap_or_default().to_owned())
                .collect()
        };
        // By title: by bytes, so capitals first; both ways.
        let up = ["Alpha", "bravo", "charlie", "delta"];
        let down: Vec<&str> = up.iter().rev().copied().collect();
        assert_eq!(items(&api(&bank, "sort=title")), up);
        assert_eq!(items(&api(&bank, "sort=title&order=desc")), down);
        assert_eq!(
            items(&api(&bank, "sort=tlp")),
            ["Alpha", "delta", "charlie", "bravo"]
        );
        assert_eq!(
            items(&api(&bank, "sort=class&order=desc")),
            ["bravo", "charlie", "delta", "Alpha"],
            "class, then key the same way"
        );
        assert_eq!(
            items(&api(&bank, "sort=detected")),
            ["delta", "Alpha", "charlie", "bravo"],
            "undetected incidents count as detected on receipt"
        );
        assert_eq!(
            items(&api(&bank, "order=asc")),
            ["delta", "Alpha", "charlie", "bravo"],
            "a direction alone turns the default order around"
        );
        // Pages of another order go by offset; the default's by cursor too.
        let first = api(&bank, "sort=title&limit=3");
        assert_eq!(items(&first), up[..3]);
        assert_eq!(first["next_cursor"], Value::Null);
        assert_eq!(first["next_offset"], 3);
        let last = api(&bank, "sort=title&limit=3&offset=3");
        assert_eq!(items(&last), up[3..]);
        assert_eq!(last["next_offset"], Value::Null);
        let newest = api(&bank, "limit=2");
        assert!(newest["next_cursor"].is_string(), "{newest}");
        assert_eq!(newest["next_offset"], 2);
        // TLP applies in every order: telco reads neither AMBER nor RED.
        let telco = Browser::user(&hub, "analyst@telco.test", PASSWORD);
        assert_eq!(items(&api(&telco, "sort=title")), ["Alpha", "delta"]);
        assert_eq!(
            items(&api(&telco, "sort=tlp&order=desc")),
            ["delta", "Alpha"]
        );
        // Bad values: a problem naming the parameter and what it takes.
        for (query, at, says) in [
            (
                "sort=size",
                "query parameter sort",
                "\"size\" is not one of key, title, status, class, tlp, reporter, detected",
            ),
            (
                "order=up",
                "query parameter order",
                "\"up\" is not asc or desc",
            ),
            (
                "offset=-1",
                "query parameter offset",
                "a number of rows to skip",
            ),
            (
                "sort=title&cursor=3",
                "query parameter cursor",
                "page another by offset",
            ),
        ] {
            let r = bank.get(&format!("/api/v1/incidents?{query}"));
            assert_eq!(r.status, 400, "{query}");
            let problem: Value = serde_json::from_slice(&r.body).expect("a problem");
            let errors = problem["errors"].as_array().expect("errors");
            assert!(
                errors.iter().any(
                    |e| e["at"] == at && e["detail"].as_str().is_some_and(|d| d.contains(says))
                ),
                "{query}: {problem}"
            );
        }
        // Both exports follow the order.
        let order_of = |text: &str| -> Vec<usize> {
            ["S-1", "S-2", "S-3", "S-4"]
                .iter()
                .map(|id| text.find(id).unwrap_or_else(|| panic!("{id} in {text}")))
                .collect()
        };
        for text in [
            bank.get("/incidents/export?format=csv&sort=title&order=desc")
                .text(),
            bank.get("/api/v1/export?format=csv&sort=title&order=desc")
                .text(),
        ] {
            let at = order_of(&text);
            // delta (S-1), charlie (S-3), bravo (S-4), Alpha (S-2).
            assert!(at[0] < at[2] && at[2] < at[3] && at[3] < at[1], "{text}");
        }
        // The page: the default order marked on "#", each header a link
        // that sorts by its column keeping the filters, ascending first.
        let page = bank.get("/incidents?tlp=TLP:GREEN").text();
        assert!(
            page.contains("<th scope=\"col\" aria-sort=\"descending\"><a href=\"/incidents?order=asc&amp;sort=key&amp;tlp=TLP%3AGREEN\">#<span class=\"sort\" aria-hidden=\"true\"> ▼</span></a></th>"),
            "{page}"
        );
        assert!(
            page.contains("<th scope=\"col\"><a href=\"/incidents?order=asc&amp;sort=title&amp;tlp=TLP%3AGREEN\">Title</a></th>"),
            "{page}"
        );
        let page = bank.get("/incidents?sort=title").text();
        assert_eq!(titles(&page), up);
        assert!(
            page.contains("<th scope=\"col\" aria-sort=\"ascending\"><a href=\"/incidents?order=desc&amp;sort=title\">Title<span class=\"sort\" aria-hidden=\"true\"> ▲</span></a></th>"),
            "the current column toggles: {page}"
        );
        assert_eq!(page.matches("aria-sort=").count(), 1, "{page}");
        assert!(
            page.contains("<input type=\"hidden\" name=\"sort\" value=\"title\">"),
            "the filter form keeps the order: {page}"
        );
        assert_eq!(
            titles(&bank.get("/incidents?order=desc&sort=title").text()),
            down
        );
        // Its pages go by offset, and link back to the first.
        let page = bank.get("/incidents?sort=title&limit=3").text();
        assert_eq!(titles(&page), up[..3]);
        assert!(
            page.contains(
                "<a href=\"/incidents?limit=3&amp;offset=3&amp;sort=title\" rel=\"next\">Next page</a>"
            ),
            "{page}"
        );
        let page = bank.get("/incidents?sort=title&limit=3&offset=3").text();
        assert_eq!(titles(&page), up[3..]);
        assert!(
            page.contains(
                "<a href=\"/incidents?limit=3&amp;sort=title\" rel=\"first\">First page</a>"
            ),
            "{page}"
        );
        assert!(!page.contains("rel=\"next\""), "{page}");
        // A bad sort is said on the page, as the other filters are.
        let bad = bank.get("/incidents?sort=size");
        assert_eq!(bad.status, 400);
        assert!(
            bad.text()
                .contains("<p>Sort by: &quot;size&quot; is not one of key, title"),
            "{}",
            bad.text()
        );
        hub.stop();
    }
}
