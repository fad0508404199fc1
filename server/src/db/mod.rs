//! The database: the source of truth. All SQL lives below this module.

pub mod checkpoint;
pub mod connection;
pub mod indexed;
pub mod models;
pub mod schema;
pub mod snapshot;
pub mod writer;

pub use connection::{run_migrations, write_transaction, DatabaseUrl, DbConn, DbError, Pool};
