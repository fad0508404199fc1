//! The one error shape every JSON endpoint answers with:
//! `{"error": {"code", "message", "fields": {"name": "why"}}}`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    #[serde(skip)]
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: BTreeMap::new(),
            retry_after_secs: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>, why: impl Into<String>) -> Self {
        self.fields.insert(field.into(), why.into());
        self
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn invalid(fields: BTreeMap<String, String>) -> Self {
        let n = fields.len();
        ApiError {
            fields,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                format!(
                    "{n} field{} need{} attention",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "s" } else { "" }
                ),
            )
        }
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; please try again",
        )
    }

    pub fn unavailable() -> Self {
        ApiError {
            retry_after_secs: Some(5),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the service is shutting down or overloaded; please retry",
            )
        }
    }
}

/// Logged by the request middleware: status, code and the names of the
/// failing fields only, since messages may quote what the client sent.
impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status.as_u16())
            .field("code", &self.code)
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)
    }
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: &'a ApiError,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after_secs {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        res.json(Envelope { error: self })
    }
}

/// What the analysis services' errors answer.
impl From<crate::analysis::AnalysisError> for ApiError {
    fn from(e: crate::analysis::AnalysisError) -> Self {
        use crate::analysis::AnalysisError;
        match e {
            AnalysisError::NotFound(what) => ApiError::not_found(what),
            AnalysisError::InvalidQuery(q) => {
                let at = q
                    .position
                    .map(|p| format!(" (at character {})", p + 1))
                    .unwrap_or_default();
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    format!("the query could not be read: {}{at}", q.message),
                )
                .with_field("q", format!("{}{at}", q.message))
            }
            AnalysisError::IndexUnavailable => ApiError {
                retry_after_secs: Some(5),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "index_unavailable",
                    "the search index is being built; please retry shortly",
                )
            },
            AnalysisError::Db(e) => {
                tracing::error!(error = %e, "database error");
                ApiError::internal()
            }
            AnalysisError::Search(e) => {
                tracing::error!(error = %e, "search failed");
                ApiError::internal()
            }
            AnalysisError::Storage(e) => {
                tracing::error!(error = %e, "file storage failed");
                ApiError::internal()
            }
            AnalysisError::Invalid(fields) => ApiError::invalid(fields),
            AnalysisError::Conflict(why) => ApiError::new(StatusCode::CONFLICT, "conflict", why),
            AnalysisError::Unavailable => ApiError::unavailable(),
            AnalysisError::Busy(what) => ApiError {
                retry_after_secs: Some(10),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    format!("as many {what} as this server runs at once are running; please retry shortly"),
                )
            },
        }
    }
}
