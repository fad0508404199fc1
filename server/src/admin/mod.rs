//! Running a docket, staff's side: posting review, redaction and deadlines
//! (and next import). Services free of HTTP, like `analysis`, whose
//! `Coding` (the pool, the writer, the clock) and `AnalysisError` they
//! share so that routes and the CLI map them the same way.

pub mod attribution;
pub mod deadlines;
pub mod posting;
pub mod redaction;
pub mod self_service;
