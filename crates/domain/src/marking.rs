//! Markings travel with a document: its label, who it may be released to, and
//! whether it is already public or a canary. Releasability is enforced by the
//! policy function; the label is shown on every page and every copy.

use crate::{names::truncate, CommunityId, CommunityPath, Nation};
use serde::Serialize;
use time::Date;

/// Label used when the uploader gives none.
pub const DEFAULT_LABEL: &str = "NON-PUBLIC";

/// A community a document is releasable to, resolved to its row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleasableCommunity {
    /// The community's key.
    #[serde(skip)]
    pub id: CommunityId,
    /// `portal/community`.
    pub path: String,
}

/// A stored document's marking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Marking {
    /// The label, e.g. `NON-PUBLIC`.
    pub label: String,
    /// Nations whose members may see it; with `releasable_communities` empty
    /// too, every member of the owning community may.
    pub releasable_nations: Vec<Nation>,
    /// Communities whose members may see it.
    pub releasable_communities: Vec<ReleasableCommunity>,
    /// The day it was released to the public, if it was.
    #[serde(with = "opt_date")]
    pub public_since: Option<Date>,
    /// Where it was published.
    pub public_source: Option<String>,
    /// A decoy: any access is an alert. Never serialised with the marking:
    /// only security officers may tell a canary from a real document, and
    /// they are told apart from the marking (see `ManageCanaries`).
    #[serde(skip)]
    pub canary: bool,
}

impl Marking {
    /// Whether the marking restricts release at all.
    pub fn is_restricted(&self) -> bool {
        !self.releasable_nations.is_empty() || !self.releasable_communities.is_empty()
    }

    /// The banner text shown on pages and copies, e.g.
    /// `NON-PUBLIC // REL TO FRA, NOR`.
    pub fn banner(&self) -> String {
        let mut parts: Vec<String> = self
            .releasable_nations
            .iter()
            .map(|n| n.to_string())
            .collect();
        parts.extend(self.releasable_communities.iter().map(|c| c.path.clone()));
        if parts.is_empty() {
            self.label.clone()
        } else {
            format!("{} // REL TO {}", self.label, parts.join(", "))
        }
    }
}

/// A marking as submitted with an upload, before communities are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMarking {
    /// The label.
    pub label: String,
    /// Nations named in `releasable`.
    pub releasable_nations: Vec<Nation>,
    /// Communities named in `releasable`.
    pub releasable_communities: Vec<CommunityPath>,
    /// `public_since`.
    pub public_since: Option<Date>,
    /// `public_source`.
    pub public_source: Option<String>,
    /// `canary`.
    pub canary: bool,
}

impl NewMarking {
    /// Parses the upload form's marking fields. Empty strings count as absent.
    pub fn parse(
        label: Option<&str>,
        releasable: Option<&str>,
        public_since: Option<&str>,
        public_source: Option<&str>,
        canary: Option<&str>,
    ) -> crate::Result<Self> {
        let label = match label.map(str::trim).filter(|s| !s.is_empty()) {
            None => DEFAULT_LABEL.to_owned(),
            Some(l) => {
                let ok = l.chars().count() <= 64
                    && l.chars()
                        .all(|c| c.is_ascii_alphanumeric() || " /-_.()".contains(c));
                if !ok {
                    return Err(crate::Error::invalid(
                        "label",
                        "use up to 64 characters A-Z, 0-9, space and / - _ . ( )",
                    ));
                }
                l.to_ascii_uppercase()
            }
        };
        let mut releasable_nations = Vec::new();
        let mut releasable_communities = Vec::new();
        if let Some(list) = releasable {
            let items: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if items.len() > 64 {
                return Err(crate::Error::invalid("releasable", "at most 64 entries"));
            }
            for item in items {
                if item.contains('/') {
                    let path: CommunityPath = item.parse().map_err(|_| {
                        crate::Error::invalid(
                            "releasable",
                            format!("{:?} is not a PORTAL/COMMUNITY path", truncate(item, 90)),
                        )
                    })?;
                    if !releasable_communities.contains(&path) {
                        releasable_communities.push(path);
                    }
                } else {
                    let nation: Nation = item.parse().map_err(|_| {
                        crate::Error::invalid(
                            "releasable",
                            format!(
                                "unknown nation {:?} (use ISO 3166-1 alpha-3)",
                                truncate(item, 8)
                            ),
                        )
                    })?;
                    if !releasable_nations.contains(&nation) {
                        releasable_nations.push(nation);
                    }
                }
            }
        }
        let public_since = match public_since.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(d) => Some(
                Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
                    .map_err(|_| crate::Error::invalid("public_since", "expected YYYY-MM-DD"))?,
            ),
        };
        let public_source = match public_source.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) if s.chars().count() > 300 || s.chars().any(char::is_control) => {
                return Err(crate::Error::invalid(
                    "public_source",
                    "must be up to 300 characters without control characters",
                ))
            }
            Some(s) => Some(s.to_owned()),
        };
        if public_source.is_some() && public_since.is_none() {
            return Err(crate::Error::invalid(
                "public_source",
                "needs public_since (the date it was published)",
            ));
        }
        let canary = match canary.map(str::trim).unwrap_or("") {
            "" | "false" | "0" | "off" | "no" => false,
            "true" | "1" | "on" | "yes" => true,
            _ => return Err(crate::Error::invalid("canary", "expected true or false")),
        };
        Ok(Self {
            label,
            releasable_nations,
            releasable_communities,
            public_since,
            public_source,
            canary,
        })
    }
}

mod opt_date {
    use serde::Serializer;
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            None => s.serialize_none(),
            Some(d) => s.collect_str(&format_args!(
                "{:04}-{:02}-{:02}",
                d.year(),
                u8::from(d.month()),
                d.day()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mixed_releasable_and_rejects_unknown_nations() {
        let m = NewMarking::parse(
            None,
            Some("nor, FRA ,lessons/drones,NOR"),
            Some("2024-03-01"),
            Some("press"),
            Some("on"),
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(m.label, "NON-PUBLIC");
        assert_eq!(m.releasable_nations.len(), 2);
        assert_eq!(m.releasable_communities.len(), 1);
        assert!(m.canary);
        assert!(NewMarking::parse(None, Some("NOR,XYZ"), None, None, None).is_err());
        assert!(NewMarking::parse(None, Some("a/b/c"), None, None, None).is_err());
        assert!(NewMarking::parse(Some("<script>"), None, None, None, None).is_err());
        assert!(NewMarking::parse(None, None, Some("2024-13-01"), None, None).is_err());
        assert!(NewMarking::parse(None, None, None, Some("press"), None).is_err());
        assert!(NewMarking::parse(None, None, None, None, Some("maybe")).is_err());
    }
}
