//! Assessment editions, responses, answers, evidence and the validation
//! workflow, on SQLite and PostgreSQL.

use c5hub_model::OrgKind;
use c5hub_store::{
    Actor, AnswerInput, Decision, Error, MAX_EVIDENCE_BYTES, NewEdition, NewEvidence, Options,
    ResponseStatus, Store, WarningList,
};
use c5hub_test_support::locations;
use chrono::NaiveDate;

const HUB: Actor<'static> = Actor {
    name: "admin@hub",
    org: "hub",
};
const FOCAL: Actor<'static> = Actor {
    name: "focal@xaa",
    org: "cirt-xaa",
};

fn open(loc: &c5hub_store::Location) -> Store {
    let mut s = Store::open(
        loc,
        Options {
            warning_list: WarningList::empty(),
        },
    )
    .expect("open");
    s.accounts()
        .add_org("hub", OrgKind::NationalCirt)
        .expect("org");
    s.accounts()
        .add_org("cirt-xaa", OrgKind::NationalCirt)
        .expect("org");
    s
}

fn edition(s: &mut Store, year: i32) -> i64 {
    s.assessment()
        .add_edition(
            &NewEdition {
                methodology: "cirt-readiness",
                methodology_version: "1.0.0",
                year,
                title: "Readiness 2025",
            },
            HUB,
        )
        .expect("edition")
        .id
}

fn answer<'a>(question: &'a str, value: &'a str) -> AnswerInput<'a> {
    AnswerInput {
        question,
        value,
        provenance: Some("self-reported"),
        ..AnswerInput::default()
    }
}

#[test]
fn a_response_goes_from_draft_to_validated_with_its_evidence() {
    for loc in locations("assess_workflow") {
        let mut s = open(&loc);
        let ed = edition(&mut s, 2025);
        let r = s
            .assessment()
            .add_response(ed, "xaa", "cirt-xaa", HUB)
            .expect("response");
        assert_eq!((r.iso3.as_str(), r.status), ("XAA", ResponseStatus::Draft));

        let doc = s
            .assessment()
            .add_evidence(
                r.id,
                &NewEvidence {
                    question: "mandate.legal-basis.instrument",
                    filename: "decree.pdf",
                    media_type: "application/pdf",
                    bytes: b"%PDF-1.4 decree",
                },
                FOCAL,
            )
            .expect("evidence");
        assert_eq!(doc.size, 15);
        assert_eq!(doc.sha256.len(), 64);
        s.assessment()
            .save_answers(
                r.id,
                &[
                    AnswerInput {
                        evidence_doc: Some(doc.id),
                        evidence_url: Some("https://gov.example/decree"),
                        note: Some("decree 12/2024"),
                        ..answer("mandate.legal-basis.instrument", "yes")
                    },
                    answer("mandate.legal-basis.host", "no"),
                    // Nothing in it: no row.
                    answer("mandate.legal-basis.powers", " "),
                ],
                &[],
                FOCAL,
            )
            .expect("save");
        let got = s.assessment().answers(r.id).expect("answers");
        assert_eq!(got.len(), 2, "{loc}: {got:?}");
        let host = &got[0];
        assert_eq!(
            (host.question.as_str(), host.value.as_str()),
            ("mandate.legal-basis.host", "no")
        );
        let inst = &got[1];
        assert_eq!(
            inst.evidence_doc.as_ref().map(|d| d.filename.as_str()),
            Some("decree.pdf")
        );
        assert_eq!(
            inst.evidence_url.as_deref(),
            Some("https://gov.example/decree")
        );
        assert_eq!(inst.updated_by, "focal@xaa");
        // An upload sent with the answers becomes its question's document.
        s.assessment()
            .save_answers(
                r.id,
                &[answer("mandate.legal-basis.powers", "partial")],
                &[NewEvidence {
                    question: "mandate.legal-basis.powers",
                    filename: "powers.txt",
                    media_type: "text/plain",
                    bytes: b"article 7",
                }],
                FOCAL,
            )
            .expect("save with upload");
        let powers = s
            .assessment()
            .answers(r.id)
            .expect("answers")
            .into_iter()
            .find(|a| a.question == "mandate.legal-basis.powers")
            .expect("saved");
        assert_eq!(
            powers.evidence_doc.map(|d| (d.filename, d.size)),
            Some(("powers.txt".to_owned(), 9))
        );
        let (info, bytes) = s
            .assessment()
            .evidence(doc.id)
            .expect("read")
            .expect("stored");
        assert_eq!(
            (info, bytes.as_slice()),
            (doc.clone(), b"%PDF-1.4 decree".as_slice())
        );

        // A draft is not decided on.
        let err = s
            .assessment()
            .decide_response(
                r.id,
                Decision::Validate {
                    on: NaiveDate::from_ymd_opt(2025, 3, 1).expect("date"),
                },
                HUB,
            )
            .expect_err("draft");
        assert!(matches!(err, Error::Conflict(_)), "{err}");

        let sub = s.assessment().submit_response(r.id, FOCAL).expect("submit");
        assert_eq!(sub.status, ResponseStatus::Submitted);
        assert_eq!(sub.submitted_by.as_deref(), Some("focal@xaa"));
        // Submitted answers are frozen.
        let err = s
            .assessment()
            .save_answers(
                r.id,
                &[answer("mandate.legal-basis.host", "yes")],
                &[],
                FOCAL,
            )
            .expect_err("frozen");
        assert!(matches!(err, Error::Conflict(_)), "{err}");

        // Returned needs a reason; then it is editable again.
        let err = s
            .assessment()
            .decide_response(r.id, Decision::Return { reason: "  " }, HUB)
            .expect_err("reason");
        assert!(matches!(err, Error::Invalid(_)), "{err}");
        let back = s
            .assessment()
            .decide_response(
                r.id,
                Decision::Return {
                    reason: "attach the decree's gazette page",
                },
                HUB,
            )
            .expect("return");
        assert_eq!(back.status, ResponseStatus::Returned);
        assert_eq!(
            back.reason.as_deref(),
            Some("attach the decree's gazette page")
        );
        s.assessment()
            .save_answers(
                r.id,
                &[answer("mandate.legal-basis.host", "yes")],
                &[],
                FOCAL,
            )
            .expect("editable again");
        s.assessment()
            .submit_response(r.id, FOCAL)
            .expect("resubmit");

        let on = NaiveDate::from_ymd_opt(2025, 3, 1).expect("date");
        let done = s
            .assessment()
            .decide_response(r.id, Decision::Validate { on }, HUB)
            .expect("validate");
        assert_eq!(
            (done.status, done.reason.as_deref()),
            (ResponseStatus::Validated, None)
        );
        for a in s.assessment().answers(r.id).expect("answers") {
            assert_eq!(a.provenance.as_deref(), Some("validated"), "{loc}");
            assert_eq!(a.validated_by.as_deref(), Some("admin@hub"));
            assert_eq!(a.validated_on, Some(on));
        }
        // Validated is final.
        assert!(s.assessment().submit_response(r.id, FOCAL).is_err());

        // Every step is in the audit log, with its actor.
        let log = s.accounts().audit_log(None, 100).expect("audit");
        let actions: Vec<(&str, &str)> = log
            .iter()
            .rev()
            .map(|a| (a.action.as_str(), a.actor.as_str()))
            .collect();
        assert_eq!(
            actions,
            [
                ("assess.edition.add", "admin@hub"),
                ("assess.response.add", "admin@hub"),
                ("assess.evidence.add", "focal@xaa"),
                ("assess.answers.save", "focal@xaa"),
                ("assess.evidence.add", "focal@xaa"),
                ("assess.answers.save", "focal@xaa"),
                ("assess.response.submit", "focal@xaa"),
                ("assess.response.return", "admin@hub"),
                ("assess.answers.save", "focal@xaa"),
                ("assess.response.submit", "focal@xaa"),
                ("assess.response.validate", "admin@hub"),
            ],
            "{loc}"
        );
    }
}

#[test]
fn editions_and_responses_refuse_bad_input() {
    for loc in locations("assess_refusals") {
        let mut s = open(&loc);
        let ed = edition(&mut s, 2025);
        let dup = s.assessment().add_edition(
            &NewEdition {
                methodology: "cirt-readiness",
                methodology_version: "1.0.0",
                year: 2025,
                title: "again",
            },
            HUB,
        );
        assert!(matches!(dup, Err(Error::Conflict(_))), "{dup:?}");
        let bad_year = s.assessment().add_edition(
            &NewEdition {
                methodology: "gci-2024",
                methodology_version: "1",
                year: 1800,
                title: "x",
            },
            HUB,
        );
        assert!(matches!(bad_year, Err(Error::Invalid(_))), "{bad_year:?}");

        assert!(matches!(
            s.assessment().add_response(ed, "X1A", "cirt-xaa", HUB),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            s.assessment().add_response(ed, "XAA", "nobody", HUB),
            Err(Error::NotFound(_))
        ));
        let r = s
            .assessment()
            .add_response(ed, "XAA", "cirt-xaa", HUB)
            .expect("first");
        let again = s.assessment().add_response(ed, "xaa", "hub", HUB);
        assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");

        // Evidence: too large, empty, or another response's document.
        let big = vec![0u8; MAX_EVIDENCE_BYTES + 1];
        let doc = |bytes: &'static [u8]| NewEvidence {
            question: "q",
            filename: "f.txt",
            media_type: "text/plain",
            bytes,
        };
        let too_big = s.assessment().add_evidence(
            r.id,
            &NewEvidence {
                bytes: &big,
                ..doc(b"")
            },
            FOCAL,
        );
        assert!(
            matches!(too_big, Err(Error::Invalid(ref m)) if m.contains("limit")),
            "{too_big:?}"
        );
        assert!(matches!(
            s.assessment().add_evidence(r.id, &doc(b""), FOCAL),
            Err(Error::Invalid(_))
        ));
        let other = s
            .assessment()
            .add_response(ed, "XBB", "hub", HUB)
            .expect("second");
        let foreign = s
            .assessment()
            .add_evidence(other.id, &doc(b"x"), HUB)
            .expect("evidence");
        let stolen = s.assessment().save_answers(
            r.id,
            &[AnswerInput {
                evidence_doc: Some(foreign.id),
                ..answer("q", "yes")
            }],
            &[NewEvidence {
                question: "q2",
                ..doc(b"rolled back")
            }],
            FOCAL,
        );
        assert!(matches!(stolen, Err(Error::NotFound(_))), "{stolen:?}");
        // All or nothing: the refused save left no answer behind.
        assert!(s.assessment().answers(r.id).expect("answers").is_empty());
        let target = format!("response:{}", r.id);
        assert!(
            !s.accounts()
                .audit_log(None, 100)
                .expect("audit")
                .iter()
                .any(|a| a.action == "assess.evidence.add"
                    && a.target.as_deref() == Some(target.as_str())),
            "{loc}: the upload of the refused save was rolled back with its audit line"
        );

        // A closed edition takes no new responses and no changes.
        assert!(
            s.assessment()
                .set_edition_open(ed, false, HUB)
                .expect("close")
        );
        assert!(
            !s.assessment()
                .edition(ed)
                .expect("read")
                .expect("exists")
                .open
        );
        assert!(matches!(
            s.assessment().add_response(ed, "XCC", "hub", HUB),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            s.assessment()
                .save_answers(r.id, &[answer("q", "yes")], &[], FOCAL),
            Err(Error::Invalid(_))
        ));
        assert!(
            !s.assessment()
                .set_edition_open(999, true, HUB)
                .expect("no such edition")
        );

        let eds = s.assessment().editions().expect("editions");
        assert_eq!(eds.len(), 1);
        assert_eq!(
            s.assessment()
                .responses(ed)
                .expect("responses")
                .iter()
                .map(|r| r.iso3.as_str())
                .collect::<Vec<_>>(),
            ["XAA", "XBB"]
        );
    }
}
