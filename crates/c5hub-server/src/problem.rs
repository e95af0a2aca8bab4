//! RFC 9457 problem details: every API error says what is wrong and where.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// One thing wrong, with where: a JSON pointer into the request, an IODEF
/// element path, a query parameter or a line.
#[derive(Clone, Debug)]
pub(crate) struct Where {
    pub(crate) at: String,
    pub(crate) detail: String,
}

/// An error answer.
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    pub(crate) status: StatusCode,
    /// Short, stable slug: the problem type is `urn:c5hub:problem:<slug>`.
    pub(crate) slug: &'static str,
    pub(crate) title: &'static str,
    pub(crate) detail: String,
    pub(crate) errors: Vec<Where>,
}

impl Problem {
    pub(crate) fn new(
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Problem {
        Problem {
            status,
            slug,
            title,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub(crate) fn with(mut self, errors: Vec<Where>) -> Problem {
        self.errors = errors;
        self
    }

    pub(crate) fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "The request is not valid",
            detail,
        )
    }

    pub(crate) fn invalid(at: impl Into<String>, detail: impl Into<String>) -> Problem {
        let detail = detail.into();
        Problem::bad_request(detail.clone()).with(vec![Where {
            at: at.into(),
            detail,
        }])
    }

    pub(crate) fn unauthorized() -> Problem {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Authentication required",
            "send `Authorization: Bearer <token>` or log in",
        )
    }

    pub(crate) fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", detail)
    }

    /// Also what an unreadable incident gets: its existence is not revealed.
    pub(crate) fn not_found(what: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", what)
    }

    pub(crate) fn unavailable(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            detail,
        )
    }

    /// A failure of the hub itself. What went wrong goes to the log only
    /// (it may hold SQL, paths or other members' data); the client gets a
    /// reference to quote to the hub's operators, which the log line holds
    /// too.
    pub(crate) fn internal(detail: impl Into<String>) -> Problem {
        let reference = format!("{:016x}", rand::random::<u64>());
        tracing::error!(reference = %reference, "internal error: {}", detail.into());
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            format!(
                "the hub could not complete this request; its operators can find out why \
                 with reference {reference}"
            ),
        )
    }

    /// The answer's body, as `c5hub_wire::Problem` (the schema the OpenAPI
    /// document gives every error).
    pub(crate) fn to_wire(&self) -> c5hub_wire::Problem {
        c5hub_wire::Problem {
            kind: format!("urn:c5hub:problem:{}", self.slug),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self
                .errors
                .iter()
                .map(|e| c5hub_wire::ProblemAt {
                    at: e.at.clone(),
                    detail: e.detail.clone(),
                })
                .collect(),
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        serde_json::to_value(self.to_wire()).unwrap_or(Value::Null)
    }
}

impl From<c5hub_store::Error> for Problem {
    fn from(e: c5hub_store::Error) -> Problem {
        use c5hub_store::Error as E;
        match e {
            E::Invalid(m) => Problem::bad_request(m),
            E::Conflict(m) => Problem::new(StatusCode::CONFLICT, "conflict", "Conflict", m),
            E::NotFound(m) => Problem::not_found(m),
            other => Problem::internal(other.to_string()),
        }
    }
}

impl From<c5hub_hub::Error> for Problem {
    fn from(e: c5hub_hub::Error) -> Problem {
        use c5hub_hub::Error as E;
        match e {
            E::Forbidden(why) => Problem::forbidden(why),
            E::NotFound(what) => Problem::not_found(what),
            // The request was understood; what it asks cannot be done as
            // given (an assignee who is nobody's, a note too long).
            E::Invalid { field, detail } => crate::api::submit::unprocessable(field, detail),
            E::TooMany { what, detail, .. } => {
                let (slug, title) = match what {
                    "verdicts" => ("too-many-verdicts", "Too many verdicts"),
                    _ => ("too-many-requests", "Too many requests"),
                };
                Problem::new(StatusCode::TOO_MANY_REQUESTS, slug, title, detail)
            }
            E::Internal(why) => Problem::internal(why),
            E::Store(e) => e.into(),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.to_json().to_string();
        (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_keep_their_cause_out_of_the_answer() {
        let cause = "database error: no such table: secrets (in: SELECT token FROM secrets)";
        let p = Problem::from(c5hub_store::Error::Corrupt(cause.into()));
        assert_eq!(p.status, StatusCode::INTERNAL_SERVER_ERROR);
        let body = p.to_json().to_string();
        assert!(!body.contains("secrets"), "{body}");
        assert!(body.contains("reference "), "{body}");
    }
}
