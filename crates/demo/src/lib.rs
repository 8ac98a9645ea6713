//! Deterministic generator of the Rampart demo world.
//!
//! The demo is modelled on the six portals of a real alliance breach: lessons
//! learned, standardization, logistics, e-learning, investment and partner
//! cooperation. [`generate`] builds, from a seed alone, a plausible but wholly
//! fictional world of portals, communities, member accounts and several
//! hundred non-public documents, so that the portal can be demonstrated (and
//! its exfiltration defences exercised) without any real data. The generator
//! does no I/O and knows nothing of the rest of the code base: it returns
//! plain structs that the caller maps into its own store.
//!
//! [`attack`] is the other half of the demo: `rampart demo attack`, a
//! scripted scrape as a compromised account, over HTTP like any client.

pub mod attack;
mod documents;
mod genre;
mod nations;
mod org;
pub mod pdf;
mod pools;
mod render;
mod rng;
mod text;
mod topics;

/// Mail domain of the install-wide accounts (administrator, security officer).
pub const DEMO_DOMAIN: &str = "rampart.example";
/// E-mail of the install-wide security officer account.
pub const SECURITY_EMAIL: &str = "security.officer@rampart.example";
/// E-mail of the install-wide administrator account.
pub const ADMIN_EMAIL: &str = "portal.admin@rampart.example";
/// The line every generated document carries, so nobody mistakes it for real.
pub const FICTION_NOTICE: &str =
    "FICTIONAL DEMO DOCUMENT — generated for the Rampart demo; not real information";
/// The usual marking of a document.
pub const LABEL_NON_PUBLIC: &str = "NON-PUBLIC";
/// Number of nations the member accounts come from.
pub const NATION_COUNT: usize = 31;
/// Number of canary documents in every world.
pub const CANARY_COUNT: usize = 5;

/// Everything the demo install holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct World {
    /// The six portals with their communities and memberships.
    pub portals: Vec<Portal>,
    /// Every account: the member accounts, then the administrator and the
    /// security officer.
    pub accounts: Vec<Account>,
    /// Every document, each in one community.
    pub documents: Vec<Document>,
}

/// A portal: a top-level area of the install grouping communities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Portal {
    /// Lowercase slug, `[a-z0-9-]`, 2–40 characters.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// The portal's communities.
    pub communities: Vec<Community>,
}

/// A community: the unit of membership and of document storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Community {
    /// Lowercase slug, `[a-z0-9-]`, 2–40 characters, unique within its portal.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Members with their roles; each e-mail appears at most once.
    pub members: Vec<Member>,
}

/// One account's membership in a community.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// E-mail of the member account.
    pub email: String,
    /// Role in this community.
    pub role: Role,
}

/// A member's role in one community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Lists, views and downloads documents.
    Reader,
    /// Also uploads documents.
    Contributor,
    /// Also manages members.
    Manager,
}

impl Role {
    /// Lowercase spelling: `reader`, `contributor`, `manager`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Contributor => "contributor",
            Role::Manager => "manager",
        }
    }

    /// Whether this role may upload documents.
    pub fn can_upload(self) -> bool {
        self >= Role::Contributor
    }
}

/// Install-wide role, not tied to a community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstallRole {
    /// Manages portals, communities, accounts and memberships.
    Admin,
    /// Reads alerts and the audit trail.
    Security,
}

impl InstallRole {
    /// Lowercase spelling: `admin`, `security`.
    pub fn as_str(self) -> &'static str {
        match self {
            InstallRole::Admin => "admin",
            InstallRole::Security => "security",
        }
    }
}

/// A person's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Unique e-mail, always under a `.example` domain.
    pub email: String,
    /// Display name (may contain diacritics).
    pub name: String,
    /// ISO 3166-1 alpha-3 code of the account's nation.
    pub nation: String,
    /// Install-wide role, if any; member accounts have none.
    pub install_role: Option<InstallRole>,
}

/// One document with its markings and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Slug of the portal holding the document.
    pub portal: String,
    /// Slug of the community (within `portal`) holding the document.
    pub community: String,
    /// Title, unique within the world.
    pub title: String,
    /// File name with extension (`.txt`, `.md`, `.html`, `.pdf`), unique within the world.
    pub filename: String,
    /// `text/plain`, `text/markdown`, `text/html` or `application/pdf`.
    pub media_type: String,
    /// The file's bytes (UTF-8 text, or a PDF).
    pub content: Vec<u8>,
    /// Marking, usually [`LABEL_NON_PUBLIC`].
    pub label: String,
    /// If non-empty: the only nations (alpha-3) the document may be released to.
    pub releasable_nations: Vec<String>,
    /// If non-empty: the only communities (`portal/community`) it may be released to.
    pub releasable_communities: Vec<String>,
    /// Date (`YYYY-MM-DD`) since which the content is public, if it is.
    pub public_since: Option<String>,
    /// Where the content was made public, e.g. `Press release, 12 March 2024`.
    pub public_source: Option<String>,
    /// Whether this is a canary: a decoy generated like its community's other
    /// documents, so that nothing but the security console tells it apart.
    pub canary: bool,
    /// E-mail of the uploader, a contributor or manager of the community.
    pub uploader: String,
}

/// The file formats the generator emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `text/plain`, `.txt`.
    Text,
    /// `text/markdown`, `.md`.
    Markdown,
    /// `text/html`, `.html`.
    Html,
    /// `application/pdf`, `.pdf`.
    Pdf,
}

impl Format {
    /// The media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain",
            Format::Markdown => "text/markdown",
            Format::Html => "text/html",
            Format::Pdf => "application/pdf",
        }
    }

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Pdf => "pdf",
        }
    }
}

/// Build the whole demo world from `seed`. Pure: the same seed always gives an
/// identical world; different seeds give different accounts and texts.
pub fn generate(seed: u64) -> World {
    let mut rng = rng::root(seed);
    let org = org::build(&mut rng);
    let documents = documents::build(&mut rng, &org);
    World {
        portals: org.portals,
        accounts: org.accounts,
        documents,
    }
}
