//! Work shared by the JSON API and the web UI, so that both paths run the
//! same checks, audit the same events and store the same way.

pub mod account;
pub mod admin;
pub mod alerts;
pub mod budgets;
pub mod canaries;
pub mod documents;
pub mod guard;
pub mod guard_peers;
pub mod identity;
pub mod matching;
pub mod oidc;
pub mod passkeys;
mod upload;
pub mod watermark;

pub use upload::{
    media_type_for, read_canary_upload, read_upload, Upload, UploadedFile, MULTIPART_OVERHEAD,
};
