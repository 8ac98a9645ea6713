//! Rampart's vocabulary: identifiers, markings, roles, the clock, and the one
//! policy function that decides every access.
//!
//! This crate performs no I/O. Everything that crosses a trust boundary is
//! parsed into one of these types first ("parse, don't validate"), so code
//! further in never sees an invalid slug, nation or id.

mod audit;
mod clock;
mod error;
mod ids;
mod marking;
mod names;
mod nation_codes;
mod policy;
mod role;

pub use audit::{network_of, AuditKind, Origin};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, Result};
pub use ids::{random_bytes, AccountId, CommunityId, DocumentId, DownloadId, PortalId};
pub use marking::{Marking, NewMarking, ReleasableCommunity, DEFAULT_LABEL};
pub use names::{is_control_or_format, CommunityPath, DisplayName, Email, Nation, Slug, Title};
pub use policy::{authorize, AccountStatus, Action, Decision, Principal, TokenScope};
pub use role::{CommunityRole, InstallRole};
