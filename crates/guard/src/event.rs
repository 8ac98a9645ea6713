//! What the guard is asked about: one request by one principal.
//!
//! The server builds an [`Event`] for every listing page, document page and download
//! *before* any content leaves, and hands it to [`crate::Guard::assess`]. Identifiers are
//! opaque to the guard; it only hashes and compares them.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

/// A document identifier (the random 128-bit id of the domain).
///
/// Serialised as 32 lowercase hex digits so JSON consumers do not lose precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocumentId(pub u128);

impl From<[u8; 16]> for DocumentId {
    fn from(bytes: [u8; 16]) -> Self {
        DocumentId(u128::from_be_bytes(bytes))
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl Serialize for DocumentId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for DocumentId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        u128::from_str_radix(&text, 16)
            .map(DocumentId)
            .map_err(serde::de::Error::custom)
    }
}

/// The membership role under which the request is made (budgets default per role).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads and downloads.
    Reader,
    /// Also uploads.
    Contributor,
    /// Manages the community; reviews much of its content.
    Manager,
}

impl Role {
    /// The role's name as used in config and reasons.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Contributor => "contributor",
            Role::Manager => "manager",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum EventKind {
    /// One page of a document listing (or search results) in the event's community.
    /// `page` is the page's ordinal in the cursor walk, 0 for the first page.
    ListPage {
        /// Ordinal of the page in the walk (0 = first page).
        page: u32,
    },
    /// The metadata page of one document (title, marking, versions).
    MetadataView,
    /// The content of one document version.
    Download,
    /// A page of the member directory showing `count` profiles.
    ProfileViews {
        /// Profiles shown.
        count: u32,
    },
}

/// One request, as seen by the guard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// When the request arrived. This is the guard's only notion of "now".
    pub at: Timestamp,
    /// The account the request acts for (sessions and API tokens of one account share
    /// one principal, so switching between them buys nothing).
    pub principal: String,
    /// Listing page, metadata view or download.
    pub kind: EventKind,
    /// The document concerned (`None` for listing pages).
    pub document: Option<DocumentId>,
    /// When the document was created, if known: lets the guard see downloads that follow
    /// a listing in date order.
    pub document_created: Option<Timestamp>,
    /// The document is a decoy: any view or download of it is critical.
    pub canary: bool,
    /// Bytes about to be sent (0 for listings and metadata views if unknown).
    pub bytes: u64,
    /// The community the document or listing belongs to.
    pub community: String,
    /// The principal's role in that community.
    pub role: Role,
    /// Client IP address.
    pub ip: IpAddr,
    /// Client `User-Agent` header (empty if absent).
    pub user_agent: String,
    /// How many documents the account can see in all (downloads only; `None`
    /// when the caller does not know): the share of its visible library an
    /// account takes is a reason of its own.
    #[serde(default)]
    pub visible_documents: Option<u32>,
}
