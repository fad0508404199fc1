//! multipart/form-data in, text fields and checked attachments out.
//!
//! Files stream to the blob store's `tmp/` as they arrive, so a 10 MB PDF
//! never sits in memory; each is cut off the moment it passes the docket's
//! size limit, and its type is judged from its bytes.

use crate::blobs::BlobStore;
use crate::domain::attachment::{clean_filename, FileKind, Sniffed};
use crate::domain::docket::Docket;
use crate::http::body::{check_declared_length, BodyTiming, Bounded};
use crate::http::error::ApiError;
pub use crate::intake::ReceivedFile;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

/// The part name that carries files, in the API and in the HTML form.
pub const ATTACHMENTS: &str = "attachments";
/// More parts than any honest form has: bounds the work a request can cause.
const MAX_PARTS: usize = 256;

#[derive(Default)]
pub struct Parts {
    pub texts: Vec<(String, String)>,
    pub files: Vec<ReceivedFile>,
}

impl Parts {
    pub fn text(&self, name: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A refused body, with the text fields read before the refusal (the HTML
/// form puts its file input last, so that is every typed value).
pub struct Refused {
    pub error: ApiError,
    pub texts: Vec<(String, String)>,
}

impl From<Refused> for ApiError {
    fn from(r: Refused) -> Self {
        r.error
    }
}

pub async fn read(
    req: &HttpRequest,
    payload: web::Payload,
    docket: &Docket,
    blobs: &BlobStore,
    timing: BodyTiming,
) -> Result<Parts, Refused> {
    let mut parts = Parts::default();
    match read_into(&mut parts, req, payload, docket, blobs, timing).await {
        Ok(()) => Ok(parts),
        Err(error) => Err(Refused {
            error,
            texts: parts.texts,
        }),
    }
}

async fn read_into(
    parts: &mut Parts,
    req: &HttpRequest,
    payload: web::Payload,
    docket: &Docket,
    blobs: &BlobStore,
    timing: BodyTiming,
) -> Result<(), ApiError> {
    let limits = docket.limits();
    let max_text_bytes = docket.max_json_bytes();
    let max_total =
        limits.max_attachments as u64 * limits.max_attachment_bytes + max_text_bytes as u64;
    check_declared_length(req, usize::try_from(max_total).unwrap_or(usize::MAX))?;

    // The whole body is bounded while it streams, whatever it declared.
    let (payload, cutoff) = Bounded::new(payload, max_total, timing);
    let bad_multipart = |e: &dyn std::fmt::Display| match cutoff.get() {
        Some(why) => why.error(),
        None => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_multipart",
            format!("the multipart body could not be read: {e}"),
        ),
    };
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut text_bytes = 0usize;
    let mut count = 0usize;
    let mut file_parts = 0usize;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|e| bad_multipart(&e))?;
        count += 1;
        if count > MAX_PARTS {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_many_parts",
                format!("a form has at most {MAX_PARTS} parts"),
            ));
        }
        let name = field.name().unwrap_or_default().to_string();
        let filename = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);

        if let Some(filename) = filename {
            if name != ATTACHMENTS {
                return Err(ApiError::invalid(
                    [(name, "files go in parts named \"attachments\"".to_string())].into(),
                ));
            }
            let index = parts.files.len();
            // Every file part counts, named or not, and is refused before
            // its bytes are read. A browser sends one part per chosen file,
            // or one empty part when none was chosen, so an honest form
            // never has more file parts than the docket allows files.
            file_parts += 1;
            if file_parts > limits.max_attachments.max(1) {
                return Err(too_many_attachments(limits.max_attachments));
            }
            let upload_field = format!("attachments[{index}]");
            let mut upload = blobs.begin().await.map_err(io_error)?;
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| bad_multipart(&e))?;
                if upload.size + chunk.len() as u64 > limits.max_attachment_bytes {
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "attachment_too_large",
                        format!(
                            "each attachment may be at most {} bytes",
                            limits.max_attachment_bytes
                        ),
                    )
                    .with_field(
                        upload_field,
                        format!("{} is too large", clean_filename(&filename)),
                    ));
                }
                upload.write(&chunk).await.map_err(io_error)?;
            }
            // Browsers send an empty, nameless part when no file was chosen.
            if upload.size == 0 && filename.is_empty() {
                continue;
            }
            if parts.files.len() >= limits.max_attachments {
                return Err(too_many_attachments(limits.max_attachments));
            }
            let display = clean_filename(&filename);
            let sniffed = FileKind::sniff(&upload.head, upload.has_nul);
            let blob = upload.seal().await.map_err(io_error)?;
            let kind = match sniffed {
                Sniffed::Known(kind) => Some(kind),
                Sniffed::Zip => ooxml_kind(blob.path()).await,
                Sniffed::Unknown => None,
            }
            .filter(|k| {
                limits
                    .allowed_types
                    .iter()
                    .any(|t| FileKind::parse(t) == Some(*k))
            });
            let Some(kind) = kind else {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "attachment_type_not_allowed",
                    format!(
                        "attachments must be one of: {}",
                        limits.allowed_types.join(", ")
                    ),
                )
                .with_field(
                    upload_field,
                    format!("{display} is not one of the allowed types (judged by its content)"),
                ));
            };
            parts.files.push(ReceivedFile {
                filename: display,
                kind,
                blob,
            });
        } else {
            let mut value = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| bad_multipart(&e))?;
                text_bytes += chunk.len();
                if text_bytes > max_text_bytes {
                    return Err(crate::http::body::too_large(max_text_bytes));
                }
                value.extend_from_slice(&chunk);
            }
            let value = String::from_utf8(value).map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_utf8",
                    format!("the part {name:?} is not valid UTF-8"),
                )
            })?;
            parts.texts.push((name, value));
        }
    }
    Ok(())
}

/// Reads a zip's central directory (names only; nothing is decompressed).
async fn ooxml_kind(path: &std::path::Path) -> Option<FileKind> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let zip = zip::ZipArchive::new(std::fs::File::open(path).ok()?).ok()?;
        FileKind::ooxml_kind(zip.file_names().filter_map(Result::ok))
    })
    .await
    .ok()
    .flatten()
}

fn too_many_attachments(max: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_many_attachments",
        format!("a comment may have at most {max} attachments"),
    )
    .with_field(ATTACHMENTS, format!("at most {max} files"))
}

fn io_error(e: std::io::Error) -> ApiError {
    tracing::error!(error = %e, "could not store an upload");
    ApiError::internal()
}
