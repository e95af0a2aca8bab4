//! The national assessment through the web UI and the API over real HTTP,
//! on SQLite and PostgreSQL: the operator opens an edition and names
//! focal points, a country fills in the questionnaire with evidence and
//! submits it, a validator returns and then validates it, and every member
//! sees the results as tiers. Each step also checks who may not do it.

mod support;

use c5hub_assess::methodology::AnswerKind;
use c5hub_assess::{Answer, CountryResponses, Methodology, ResponseSet, scoring};
use c5hub_model::{OrgKind, Role};
use c5hub_store::{MAX_EVIDENCE_BYTES, ResponseStatus};
use support::web::{Browser, Part, form_encode, send};
use support::{Hub, get, locations};

const PASSWORD: &str = "correct horse battery staple";

/// The best answer to every question of `m`: the top option, every
/// option, or a full count or share.
fn best_answers(m: &Methodology) -> Vec<(String, Vec<String>)> {
    m.questions()
        .map(|(_, q)| {
            let values = match &m.answer_type(&q.answer_type).expect("type").kind {
                AnswerKind::Choice { options } => {
                    let best = options
                        .iter()
                        .max_by(|a, b| a.1.total_cmp(&b.1))
                        .expect("options");
                    vec![best.0.clone()]
                }
                AnswerKind::Multiple { options } => options.iter().map(|o| o.0.clone()).collect(),
                AnswerKind::Count(_) => vec!["1000".to_owned()],
                AnswerKind::Percentage { .. } => vec!["100".to_owned()],
            };
            (q.id.clone(), values)
        })
        .collect()
}

fn answer_parts(answers: &[(String, Vec<String>)]) -> Vec<Part<'static>> {
    let mut parts = Vec::new();
    for (q, values) in answers {
        for v in values {
            parts.push((format!("a:{q}"), None, v.clone().into_bytes()));
        }
        parts.push((format!("p:{q}"), None, b"self-reported".to_vec()));
    }
    parts
}

#[test]
fn an_edition_from_questionnaire_to_validated_results() {
    for loc in locations("assess_workflow") {
        let hub = Hub::start(loc, false);
        {
            let mut st = hub.store();
            st.accounts()
                .add_org("cirt-xaa", OrgKind::NationalCirt)
                .expect("org");
            st.accounts()
                .add_org("cirt-xbb", OrgKind::NationalCirt)
                .expect("org");
            for (email, org, role) in [
                ("focal@xaa.test", "cirt-xaa", Role::Reporter),
                ("viewer@xaa.test", "cirt-xaa", Role::Viewer),
                ("focal@xbb.test", "cirt-xbb", Role::Reporter),
                ("analyst@hub.test", "national-cirt", Role::Analyst),
            ] {
                st.accounts()
                    .add_user(email, org, role, Some(PASSWORD))
                    .expect("user");
            }
            // PostgreSQL stores are closed on plain threads, as the server does.
            std::thread::spawn(move || drop(st)).join().expect("close");
        }
        let admin = Browser::login(&hub, &[("token", hub.admin.as_str())]);
        let focal = Browser::user(&hub, "focal@xaa.test", PASSWORD);
        let viewer = Browser::user(&hub, "viewer@xaa.test", PASSWORD);
        let other = Browser::user(&hub, "focal@xbb.test", PASSWORD);
        let analyst = Browser::user(&hub, "analyst@hub.test", PASSWORD);

        // The operator opens an edition; nobody else may, and a bad year
        // comes back with what was typed.
        let new = [
            ("methodology", "cirt-readiness"),
            ("year", "2025"),
            ("title", "Readiness 2025"),
        ];
        assert_eq!(focal.post("/assess/editions", &new).status, 403);
        let bad = admin.post(
            "/assess/editions",
            &[
                ("methodology", "cirt-readiness"),
                ("year", "25"),
                ("title", "Typed title"),
            ],
        );
        assert_eq!(bad.status, 400);
        assert!(
            bad.text()
                .contains("id=\"err-year\" role=\"alert\">Year: 25 is not a year")
                && bad.text().contains("aria-describedby=\"err-year\"")
                && bad.text().contains("value=\"Typed title\""),
            "{}",
            bad.text()
        );
        let made = admin.post("/assess/editions", &new);
        assert_eq!(made.status, 303, "{}", made.text());
        let again = admin.post("/assess/editions", &new);
        assert_eq!(again.status, 409, "{}", again.text());
        assert!(
            again
                .text()
                .contains("id=\"err-year\" role=\"alert\">Year: there is already an edition of cirt-readiness@"),
            "{}",
            again.text()
        );
        let edition_path = made.location.clone();
        let ed: i64 = edition_path
            .rsplit('/')
            .next()
            .expect("id")
            .parse()
            .expect("edition id");
        let no_csrf = send(
            "POST",
            &hub.url("/assess/editions"),
            Some(&admin.cookie),
            Some("application/x-www-form-urlencoded"),
            Some(&form_encode(&new)),
        );
        assert_eq!(
            no_csrf.status, 403,
            "a form without the CSRF token is refused"
        );

        // Focal points.
        let assign = format!("{edition_path}/responses");
        assert_eq!(
            admin
                .post(&assign, &[("iso3", "xaa"), ("org", "cirt-xaa")])
                .status,
            303
        );
        assert_eq!(
            admin
                .post(&assign, &[("iso3", "XBB"), ("org", "cirt-xbb")])
                .status,
            303
        );
        let dup = admin.post(&assign, &[("iso3", "XAA"), ("org", "cirt-xbb")]);
        assert_eq!(dup.status, 409);
        assert!(
            dup.text()
                .contains("id=\"err-iso3\" role=\"alert\">Country: XAA already answers")
                && dup.text().contains("value=\"XAA\""),
            "{}",
            dup.text()
        );
        let nobody = admin.post(&assign, &[("iso3", "XCC"), ("org", "nobody")]);
        assert_eq!(nobody.status, 422);
        assert!(
            nobody.text().contains(
                "id=\"err-org\" role=\"alert\">Organisation: there is no organisation nobody"
            ) && nobody.text().contains("value=\"XCC\""),
            "{}",
            nobody.text()
        );
        let letters = admin.post(&assign, &[("iso3", "X1"), ("org", "cirt-xbb")]);
        assert_eq!(letters.status, 400);
        assert!(
            letters
                .text()
                .contains("id=\"err-iso3\" role=\"alert\">Country: country"),
            "{}",
            letters.text()
        );
        // The hub operator is no second validator of its own country.
        let own = admin.post(
            &format!("{edition_path}/second-validator"),
            &[("org", "national-cirt")],
        );
        assert_eq!(own.status, 422, "{}", own.text());
        assert!(
            own.text()
                .contains("id=\"err-second_validator\" role=\"alert\">Second validator: national-cirt is the hub operator"),
            "{}",
            own.text()
        );
        assert_eq!(
            analyst
                .post(&assign, &[("iso3", "XCC"), ("org", "cirt-xbb")])
                .status,
            403
        );

        let ids = {
            let mut st = hub.store();
            let rs = st.assessment().responses(ed).expect("responses");
            std::thread::spawn(move || drop(st)).join().expect("close");
            rs
        };
        let (xaa, xbb) = (ids[0].id, ids[1].id);
        let xaa_path = format!("/assess/responses/{xaa}");
        let xbb_path = format!("/assess/responses/{xbb}");

        // Who sees what: the country's members and the validators read;
        // another country's focal point gets "not found".
        let page = focal.get(&edition_path).text();
        assert!(
            page.contains("2 countries take part") && !page.contains("cirt-xbb"),
            "another country's organisation is not named: {page}"
        );
        assert!(
            page.contains(&format!("href=\"{xaa_path}\""))
                && !page.contains(&format!("href=\"{xbb_path}\"")),
            "{page}"
        );
        assert_eq!(other.get(&xaa_path).status, 404);
        assert_eq!(analyst.get(&xaa_path).status, 200);
        let seen = viewer.get(&xaa_path);
        assert_eq!(seen.status, 200);
        assert!(!seen.text().contains("Save draft"), "a viewer gets no form");

        // A mistake: nothing is stored, the form comes back with the input.
        let m = Methodology::builtin("cirt-readiness").expect("methodology");
        let best = best_answers(&m);
        let count_q = m
            .questions()
            .find(|(_, q)| {
                matches!(
                    m.answer_type(&q.answer_type).map(|t| &t.kind),
                    Some(AnswerKind::Count(_))
                )
            })
            .map(|(_, q)| q.id.clone())
            .expect("a count question");
        let mut wrong = answer_parts(&best);
        wrong.retain(|(n, _, _)| *n != format!("a:{count_q}"));
        wrong.push((format!("a:{count_q}"), None, b"many".to_vec()));
        wrong.push((format!("e:{count_q}"), None, b"not a link".to_vec()));
        let r = focal.post_multipart(&xaa_path, &wrong);
        assert_eq!(r.status, 400);
        let text = r.text();
        assert!(text.contains("&quot;many&quot; is not a number"), "{text}");
        assert!(
            text.contains("value=\"many\"") && text.contains("value=\"not a link\""),
            "the form shows what was typed"
        );
        assert!(
            text.contains(&format!("href=\"#q-{count_q}\"")),
            "the summary links to the question"
        );
        assert_eq!(
            viewer
                .post_multipart(&xaa_path, &answer_parts(&best))
                .status,
            403
        );
        let too_big = focal.post_multipart(
            &xaa_path,
            &[(
                "f:mandate.legal-basis.instrument".into(),
                Some("big.pdf"),
                vec![b'x'; MAX_EVIDENCE_BYTES + 1],
            )],
        );
        assert_eq!(too_big.status, 400);
        assert!(
            too_big.text().contains("the limit is 4 MiB"),
            "{}",
            too_big.text()
        );
        // A refusal only the store makes (a file name over 255 bytes)
        // comes back as the questionnaire, with the answers typed.
        let long_name = format!("{}.pdf", "n".repeat(300));
        let mut named = answer_parts(&best);
        named.push((
            "f:mandate.legal-basis.instrument".into(),
            Some(long_name.as_str()),
            b"%PDF-1.4 gazette".to_vec(),
        ));
        let r = focal.post_multipart(&xaa_path, &named);
        assert_eq!(r.status, 400, "{}", r.text());
        let text = r.text();
        assert!(
            text.contains("id=\"form-errors\"")
                && text.contains("Nothing was saved: the file name is longer than 255 bytes")
                && text.contains("name=\"a:mandate.legal-basis.instrument\""),
            "{text}"
        );
        assert!(!text.contains("Back to the dashboard"), "{text}");

        // A good save with a document and a link.
        let mut parts = answer_parts(&best);
        parts.push((
            "f:mandate.legal-basis.instrument".into(),
            Some("decree.pdf"),
            b"%PDF-1.4 decree".to_vec(),
        ));
        parts.push((
            "e:mandate.legal-basis.host".into(),
            None,
            b"https://gov.example/cirt".to_vec(),
        ));
        parts.push(("action".into(), None, b"save".to_vec()));
        let saved = focal.post_multipart(&xaa_path, &parts);
        // Issue 16: the page then says "Saved."; a plain visit does not.
        assert_eq!(
            (saved.status, saved.location.clone()),
            (303, format!("{xaa_path}?saved=1#saved")),
            "{}",
            saved.text()
        );
        assert!(
            focal
                .get(&format!("{xaa_path}?saved=1"))
                .text()
                .contains("id=\"saved\"")
        );
        assert!(!focal.get(&xaa_path).text().contains("id=\"saved\""));
        let page = focal.get(&xaa_path).text();
        let doc_href = page
            .split("href=\"/assess/evidence/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a link to the document")
            .to_owned();
        let doc = focal.get(&format!("/assess/evidence/{doc_href}"));
        assert_eq!(doc.body, b"%PDF-1.4 decree");
        assert!(
            doc.disposition.starts_with("attachment"),
            "{}",
            doc.disposition
        );
        assert_eq!(
            other.get(&format!("/assess/evidence/{doc_href}")).status,
            404
        );
        assert_eq!(doc.content_type, "application/pdf");
        assert_eq!(
            doc.csp, "sandbox",
            "a document never runs in the hub's origin"
        );
        assert!(page.contains("value=\"https://gov.example/cirt\""));

        // An uploaded page is only ever a download.
        let html = focal.post_multipart(
            &xaa_path,
            &[
                answer_parts(&best),
                vec![(
                    "f:mandate.legal-basis.powers".into(),
                    Some("page.html"),
                    b"<script>alert(1)</script>".to_vec(),
                )],
            ]
            .concat(),
        );
        assert_eq!(html.status, 303, "{}", html.text());
        let page = focal.get(&xaa_path).text();
        let html_href = page
            .split("href=\"/assess/evidence/")
            .find(|s| s.contains(">page.html<"))
            .and_then(|s| s.split('"').next())
            .expect("a link to the page")
            .to_owned();
        let served = focal.get(&format!("/assess/evidence/{html_href}"));
        assert_eq!(served.content_type, "application/octet-stream");
        assert!(served.disposition.starts_with("attachment"));

        // Issue 16: answers without evidence: submit saves, asks to
        // confirm, naming what is missing, and submits nothing.
        let asked = focal.post_multipart(
            &xaa_path,
            &[
                parts.clone(),
                vec![("action".into(), None, b"submit".to_vec())],
            ]
            .concat(),
        );
        assert_eq!(asked.status, 303, "{}", asked.text());
        assert!(asked.location.ends_with("?confirm=1"), "{}", asked.location);
        let page = focal.get(&asked.location).text();
        assert!(
            page.contains("Not submitted yet")
                && page.contains("answers have no evidence")
                && page.contains("value=\"submit-anyway\""),
            "{page}"
        );
        assert!(page.contains("Draft"), "{page}");
        // The questionnaire has a table of contents by pillar.
        assert!(page.contains("aria-label=\"Pillars\""), "{page}");
        // Submit anyway; then the answers are frozen and only a validator
        // decides.
        let sub = focal.post_multipart(
            &xaa_path,
            &[
                parts,
                vec![("action".into(), None, b"submit-anyway".to_vec())],
            ]
            .concat(),
        );
        assert_eq!(sub.status, 303);
        assert!(focal.get(&xaa_path).text().contains("id=\"who-validates\""));
        let frozen = focal.post_multipart(&xaa_path, &answer_parts(&best));
        assert_eq!(frozen.status, 409, "{}", frozen.text());
        assert!(
            frozen
                .text()
                .contains("only a draft or a returned response changes"),
            "{}",
            frozen.text()
        );
        let decision = format!("{xaa_path}/decision");
        assert_eq!(
            focal.post(&decision, &[("decision", "validate")]).status,
            403
        );
        let no_reason = analyst.post(&decision, &[("decision", "return"), ("reason", " ")]);
        assert_eq!(no_reason.status, 400);
        assert!(no_reason.text().contains("Say why"));
        let unknown = analyst.post(
            &decision,
            &[("decision", "maybe"), ("reason", "kept words")],
        );
        assert_eq!(unknown.status, 400);
        assert!(
            unknown.text().contains("Unknown decision")
                && unknown.text().contains(">kept words</textarea>"),
            "{}",
            unknown.text()
        );
        assert_eq!(
            analyst
                .post(
                    &decision,
                    &[
                        ("decision", "return"),
                        ("reason", "Attach the gazette page")
                    ]
                )
                .status,
            303
        );
        assert!(
            focal
                .get(&xaa_path)
                .text()
                .contains("Attach the gazette page")
        );
        let again = focal.post_multipart(
            &xaa_path,
            &[
                answer_parts(&best),
                vec![("action".into(), None, b"submit-anyway".to_vec())],
            ]
            .concat(),
        );
        assert_eq!(again.status, 303);
        assert_eq!(
            analyst.post(&decision, &[("decision", "validate")]).status,
            303
        );

        // XBB answers one question only and is validated too: its missing
        // data is flagged.
        let one = vec![
            ("a:mandate.legal-basis.host".into(), None, b"yes".to_vec()),
            ("action".into(), None, b"submit-anyway".to_vec()),
        ];
        assert_eq!(other.post_multipart(&xbb_path, &one).status, 303);
        assert_eq!(
            admin
                .post(&format!("{xbb_path}/decision"), &[("decision", "validate")])
                .status,
            303
        );

        {
            let mut st = hub.store();
            let r = st
                .assessment()
                .response(xaa)
                .expect("read")
                .expect("stored");
            assert_eq!(r.status, ResponseStatus::Validated);
            let answers = st.assessment().answers(xaa).expect("answers");
            assert_eq!(answers.len(), m.question_count());
            assert!(
                answers
                    .iter()
                    .all(|a| a.provenance.as_deref() == Some("validated")
                        && a.validated_by.as_deref() == Some("analyst@hub.test"))
            );
            let actions: Vec<String> = st
                .accounts()
                .audit_log(None, 1000)
                .expect("audit")
                .into_iter()
                .map(|a| a.action)
                .filter(|a| a.starts_with("assess."))
                .collect();
            assert_eq!(
                actions
                    .iter()
                    .filter(|a| *a == "assess.response.validate")
                    .count(),
                2,
                "{actions:?}"
            );
            std::thread::spawn(move || drop(st)).join().expect("close");
        }

        // Results, for every member: tiers without ranks unless asked.
        let expected = {
            let set = ResponseSet {
                methodology: None,
                countries: vec![CountryResponses {
                    iso3: "XAA".into(),
                    year: 2025,
                    answers: best
                        .iter()
                        .map(|(q, v)| Answer::new(q.clone(), v.join(";")))
                        .collect(),
                }],
            };
            scoring::score_responses(&m, &set).value.remove(0)
        };
        let res = other.get(&format!("{edition_path}/results"));
        assert_eq!(res.status, 200);
        assert!(
            res.content_type.starts_with("text/html"),
            "{}",
            res.content_type
        );
        let text = res.text();
        assert!(
            text.contains(&format!("{} {}", expected.tier_code, expected.tier_name)),
            "{text}"
        );
        assert!(
            text.contains("missing data: missing-answers"),
            "XBB's missing answers are flagged: {text}"
        );
        assert!(
            text.contains("by ITU region") && text.contains("<svg") && text.contains("stability")
        );
        assert!(!text.contains(">Rank<"), "no ranks by default");
        assert!(
            other
                .get(&format!("{edition_path}/results?ranks=1"))
                .text()
                .contains(">Rank<")
        );
        assert!(
            !text.contains(" style=\""),
            "no inline styles under the CSP"
        );

        let api = get(
            &hub.url(&format!("/api/v1/assess/editions/{ed}/results")),
            Some(&hub.admin),
        );
        assert_eq!(api.status, 200, "{}", api.body);
        let v = api.json();
        let rows = v.as_array().expect("array");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["iso3"], "XAA");
        assert_eq!(rows[0]["tier"], expected.tier_code.as_str());
        assert!(rows[0].get("rank").is_none());
        let editions = get(&hub.url("/api/v1/assess/editions"), Some(&hub.admin)).json();
        assert_eq!(editions["editions"][0]["methodology"], "cirt-readiness");
        assert_eq!(get(&hub.url("/api/v1/assess/editions"), None).status, 401);
        hub.stop();
    }
}
