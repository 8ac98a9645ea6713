//! Roles: what a member may do inside one community, and the two install-wide
//! roles that are not tied to any community.

use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// A member's role in one community. Ordered: each role can do what the one
/// before it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CommunityRole {
    /// Lists, views and downloads documents.
    Reader,
    /// Also uploads documents and new versions.
    Contributor,
    /// Also manages the community's members.
    Manager,
}

impl CommunityRole {
    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CommunityRole::Reader => "reader",
            CommunityRole::Contributor => "contributor",
            CommunityRole::Manager => "manager",
        }
    }
}

impl fmt::Display for CommunityRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CommunityRole {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "reader" => Ok(Self::Reader),
            "contributor" => Ok(Self::Contributor),
            "manager" => Ok(Self::Manager),
            _ => Err(crate::Error::invalid(
                "role",
                "must be reader, contributor or manager",
            )),
        }
    }
}

/// Install-wide roles. Neither grants access to documents by itself: an
/// administrator manages structure, a security officer reads the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum InstallRole {
    /// Manages portals, communities, accounts and memberships.
    Admin,
    /// Sees alerts, the audit trail and triage results.
    Security,
}

impl InstallRole {
    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            InstallRole::Admin => "admin",
            InstallRole::Security => "security",
        }
    }
}

impl FromStr for InstallRole {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "admin" => Ok(Self::Admin),
            "security" => Ok(Self::Security),
            _ => Err(crate::Error::invalid("role", "must be admin or security")),
        }
    }
}
