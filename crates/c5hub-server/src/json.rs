//! What anonymous readers (public access) see of the people in an
//! answer: the API's JSON itself is `c5hub_wire`'s.

use c5hub_store::{Assignment, Comment, StatusChange};

/// Who anonymous readers (public access) see acting: never a user's e-mail
/// address.
const SOMEONE: &str = "a member";

/// Hides the people in an incident's history from an anonymous reader:
/// who changed the status, who assigned, and to whom.
pub(crate) fn anonymise_history(h: &mut [StatusChange], a: &mut [Assignment]) {
    for c in h {
        c.actor = SOMEONE.to_owned();
    }
    for x in a {
        x.actor = SOMEONE.to_owned();
        if x.assignee.is_some() {
            x.assignee = Some(SOMEONE.to_owned());
        }
    }
}

/// Hides comment authors from an anonymous reader; their organisation
/// stays.
pub(crate) fn anonymise_comments(c: &mut [Comment]) {
    for x in c {
        x.author = SOMEONE.to_owned();
    }
}

/// Hides the assignee from an anonymous reader (it says that someone is).
pub(crate) fn anonymise_assignee(a: Option<&str>) -> Option<&'static str> {
    a.map(|_| SOMEONE)
}
