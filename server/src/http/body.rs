//! Reading a request body without trusting its size.

use crate::http::error::ApiError;
use actix_web::error::PayloadError;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest};
use futures_util::{Stream, StreamExt};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use tokio::time::{Duration, Instant, Sleep};

pub fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the request body is larger than {limit} bytes"),
    )
}

/// A declared `Content-Length` over the limit is refused before one byte is
/// read; a chunked body is cut off as soon as it passes the limit.
pub fn check_declared_length(req: &HttpRequest, limit: usize) -> Result<(), ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > limit as u64 => Err(too_large(limit)),
        _ => Ok(()),
    }
}

/// How long a body may take to arrive. Each body has `grace` to get going;
/// after that every byte buys `1 / min_rate` seconds more, so a client that
/// keeps up `min_rate` bytes a second on average is never cut off, and one
/// that trickles is, whatever its size. No body takes longer than `max`.
#[derive(Debug, Clone, Copy)]
pub struct BodyTiming {
    /// Bytes a second, on average, after the grace period.
    pub min_rate: u64,
    pub grace: Duration,
    pub max: Duration,
}

impl Default for BodyTiming {
    fn default() -> Self {
        BodyTiming {
            min_rate: 1024,
            grace: Duration::from_secs(10),
            max: Duration::from_secs(600),
        }
    }
}

/// Why a body was cut off while it streamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cutoff {
    TooLarge(u64),
    TooSlow(u64),
    TooLong(Duration),
}

impl Cutoff {
    pub fn error(self) -> ApiError {
        match self {
            Cutoff::TooLarge(limit) => too_large(usize::try_from(limit).unwrap_or(usize::MAX)),
            Cutoff::TooSlow(rate) => ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_too_slow",
                format!("the request body arrived slower than {rate} bytes a second"),
            ),
            Cutoff::TooLong(max) => ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_too_slow",
                format!(
                    "the request body took longer than {} seconds to arrive",
                    max.as_secs()
                ),
            ),
        }
    }
}

/// Where a [`Bounded`] body records why it stopped, for the reader that
/// only sees a stream error (multipart wraps every error in its own).
pub type CutoffCell = Rc<Cell<Option<Cutoff>>>;

/// A request body that ends in an error as soon as it passes `limit` bytes
/// (declared or not, chunked or not) or falls behind its [`BodyTiming`].
pub struct Bounded {
    inner: web::Payload,
    limit: u64,
    timing: BodyTiming,
    started: Instant,
    read: u64,
    timer: Pin<Box<Sleep>>,
    cutoff: CutoffCell,
}

impl Bounded {
    pub fn new(inner: web::Payload, limit: u64, timing: BodyTiming) -> (Self, CutoffCell) {
        let cutoff = CutoffCell::default();
        let started = Instant::now();
        let first = started + timing.grace.min(timing.max);
        let body = Bounded {
            inner,
            limit,
            timing,
            started,
            read: 0,
            timer: Box::pin(tokio::time::sleep_until(first)),
            cutoff: cutoff.clone(),
        };
        (body, cutoff)
    }

    fn deadline(&self) -> Instant {
        let earned = Duration::from_secs_f64(self.read as f64 / self.timing.min_rate.max(1) as f64);
        (self.started + self.timing.grace + earned).min(self.started + self.timing.max)
    }

    fn cut(&mut self, why: Cutoff) -> Poll<Option<Result<web::Bytes, PayloadError>>> {
        self.cutoff.set(Some(why));
        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::other(
            "request body cut off",
        )))))
    }
}

impl Stream for Bounded {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.cutoff.get().is_some() {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.read += chunk.len() as u64;
                if this.read > this.limit {
                    let limit = this.limit;
                    return this.cut(Cutoff::TooLarge(limit));
                }
                let next = this.deadline();
                this.timer.as_mut().reset(next);
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(other) => Poll::Ready(other),
            Poll::Pending => match this.timer.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    let why = if this.started.elapsed() >= this.timing.max {
                        Cutoff::TooLong(this.timing.max)
                    } else {
                        Cutoff::TooSlow(this.timing.min_rate)
                    };
                    this.cut(why)
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

/// Reads a whole body of at most `limit` bytes within `timing`.
pub async fn read_limited(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
    timing: BodyTiming,
) -> Result<web::Bytes, ApiError> {
    check_declared_length(req, limit)?;
    let (mut body_stream, cutoff) = Bounded::new(payload, limit as u64, timing);
    let mut body = web::BytesMut::new();
    while let Some(chunk) = body_stream.next().await {
        let chunk = chunk.map_err(|e| match cutoff.get() {
            Some(why) => why.error(),
            None => ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_body",
                format!("could not read the body: {e}"),
            ),
        })?;
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The media type without parameters, lower-cased (`application/json`).
pub fn media_type(req: &HttpRequest) -> Option<String> {
    let ct = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

pub fn unsupported_media_type(expected: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!("send the body as {expected}"),
    )
}

/// Parses JSON with a distinct error for each way it can be wrong: bytes that
/// are not UTF-8 and text that is not JSON are 400; JSON of the wrong shape
/// (a number where text belongs, an unknown field) is 422.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_utf8",
            format!("the body is not valid UTF-8 (byte {})", e.valid_up_to()),
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_shape",
                format!("the JSON does not match the expected shape: {e}"),
            ),
            _ => ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body is not valid JSON: {e}"),
            ),
        }
    })
}
