//! Rampart's application layer: every use case the portal offers, over one
//! context ([`App`]: store, blobs, clock, audit sink, guard, keys,
//! configuration), with its own [`Error`] and no HTTP type anywhere in it.
//!
//! The web crate maps requests onto these functions and their errors onto
//! statuses; the CLI (`rampart admin`, `import`, `reindex`, `demo`) and the
//! benchmarks call them directly. Whoever calls says who acts (an
//! [`identity::Authenticated`] principal) and from where (an [`Origin`]), so
//! both paths run the same checks, audit the same events and store the same
//! way.

pub mod admin;
pub mod alerts;
mod audit;
pub mod budgets;
pub mod canaries;
pub mod config;
mod context;
pub mod datadir;
pub mod directory;
pub mod documents;
mod error;
pub mod guard;
pub(crate) mod guard_peers;
pub mod install;
pub mod matching;
pub mod metrics;
pub mod migrate;
pub mod search;
pub mod security;
pub mod semantic;
mod upload;
pub mod watermark;

pub use audit::{network_of, AuditKind, Origin};
// Identity is its own crate (`rampart-identity`); the use cases here
// reach it as `identity`.
pub use config::Config;
pub use context::App;
pub use error::Error;
use rampart_identity as identity;
pub use upload::{media_type_for, sanitize_filename, Upload, UploadedFile};
