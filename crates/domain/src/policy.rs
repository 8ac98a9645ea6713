//! The one policy function. Every handler asks [`authorize`] before it reads
//! or changes anything; nothing else in the code base decides access.
//!
//! The answer separates two kinds of "no": [`Decision::NotFound`] when the
//! principal may not even know the object exists (it must look exactly like
//! a missing object, so ids cannot be probed), and [`Decision::Forbidden`]
//! when the object is visible but the action is not allowed.

use crate::{AccountId, CommunityId, CommunityRole, Marking, Nation};

/// Whether an account may act at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    /// Normal.
    Active,
    /// Locked by the exfiltration guard or an administrator, pending review.
    Suspended,
}

impl AccountStatus {
    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Suspended => "suspended",
        }
    }
}

/// What an API token may do. Sessions always have [`TokenScope::Full`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenScope {
    /// Everything the account may do.
    Full,
    /// Only safe (reading) actions.
    ReadOnly,
    /// Everything the account may do, but only in these communities.
    Communities(Vec<CommunityId>),
}

/// Who is asking, with what they hold. Built per request from the session or
/// token and the account's current memberships.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account.
    pub account: AccountId,
    /// The account's nation, for releasability.
    pub nation: Nation,
    /// Suspended accounts may do nothing.
    pub status: AccountStatus,
    /// Install-wide administrator.
    pub admin: bool,
    /// Install-wide security officer.
    pub security: bool,
    /// Communities the account belongs to, with its role in each.
    pub memberships: Vec<(CommunityId, CommunityRole)>,
    /// Limits of the credential used for this request.
    pub scope: TokenScope,
}

impl Principal {
    /// The principal's role in a community, if it is a member.
    pub fn role_in(&self, community: CommunityId) -> Option<CommunityRole> {
        self.memberships
            .iter()
            .find(|(c, _)| *c == community)
            .map(|(_, r)| *r)
    }

    fn scope_allows(&self, community: Option<CommunityId>, writes: bool) -> bool {
        match &self.scope {
            TokenScope::Full => true,
            TokenScope::ReadOnly => !writes,
            TokenScope::Communities(list) => community.is_none_or(|c| list.contains(&c)),
        }
    }

    /// Whether the marking lets this principal see the document at all
    /// (membership of the owning community is checked separately).
    pub fn releasable(&self, marking: &Marking) -> bool {
        if !marking.is_restricted() {
            return true;
        }
        marking.releasable_nations.contains(&self.nation)
            || marking
                .releasable_communities
                .iter()
                .any(|c| self.role_in(c.id).is_some())
    }
}

/// Something a principal wants to do.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// See a community and list its documents.
    ReadCommunity(CommunityId),
    /// Upload a new document to a community.
    Contribute(CommunityId),
    /// Add or change members of a community.
    ManageMembers(CommunityId),
    /// View a document's metadata or download its content.
    ReadDocument(CommunityId, &'a Marking),
    /// Upload a new version of a document.
    ReviseDocument(CommunityId, &'a Marking),
    /// Manage portals, communities and accounts.
    Administer,
    /// Read the audit trail, alerts and triage results.
    Investigate,
    /// Plant canaries, turn documents into canaries or back, and tell
    /// canaries from real documents. The security role only: an
    /// administrator is an insider a canary must be able to catch too.
    ManageCanaries,
    /// See every member's profile, not only those of the accounts the
    /// principal shares a community with (need-to-know is the rule for
    /// everyone else, and is applied in the directory's query).
    ViewAllProfiles,
    /// Change one's own directory profile.
    EditOwnProfile,
}

impl Action<'_> {
    fn writes(&self) -> bool {
        matches!(
            self,
            Action::Contribute(_)
                | Action::ManageMembers(_)
                | Action::ReviseDocument(..)
                | Action::Administer
                | Action::ManageCanaries
                | Action::EditOwnProfile
        )
    }

    fn community(&self) -> Option<CommunityId> {
        match self {
            Action::ReadCommunity(c)
            | Action::Contribute(c)
            | Action::ManageMembers(c)
            | Action::ReadDocument(c, _)
            | Action::ReviseDocument(c, _) => Some(*c),
            Action::Administer
            | Action::Investigate
            | Action::ManageCanaries
            | Action::ViewAllProfiles
            | Action::EditOwnProfile => None,
        }
    }
}

/// The answer of [`authorize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// Answer exactly as if the object did not exist.
    NotFound,
    /// The object is visible, the action is not allowed.
    Forbidden,
}

/// Decides one action: membership ∧ role ∧ releasability ∧ account status ∧
/// credential scope. Deny by default: every arm names what allows.
pub fn authorize(principal: &Principal, action: Action<'_>) -> Decision {
    if principal.status != AccountStatus::Active {
        return Decision::NotFound;
    }
    // A credential limited to other communities must not even reveal these.
    if let TokenScope::Communities(list) = &principal.scope {
        match action.community() {
            Some(c) if !list.contains(&c) => return Decision::NotFound,
            None if matches!(
                action,
                Action::Administer
                    | Action::Investigate
                    | Action::ManageCanaries
                    | Action::ViewAllProfiles
            ) =>
            {
                return Decision::NotFound
            }
            _ => {}
        }
    }
    let visible = match action {
        Action::ReadCommunity(c) | Action::Contribute(c) => principal.role_in(c).is_some(),
        Action::ManageMembers(c) => principal.role_in(c).is_some() || principal.admin,
        Action::ReadDocument(c, m) | Action::ReviseDocument(c, m) => {
            principal.role_in(c).is_some() && principal.releasable(m)
        }
        Action::Administer => principal.admin,
        Action::Investigate => principal.security || principal.admin,
        Action::ManageCanaries => principal.security,
        Action::ViewAllProfiles => principal.admin || principal.security,
        Action::EditOwnProfile => true,
    };
    if !visible {
        return Decision::NotFound;
    }
    let role_allows = match action {
        Action::ReadCommunity(_) | Action::ReadDocument(..) => true,
        Action::Contribute(c) | Action::ReviseDocument(c, _) => {
            principal.role_in(c) >= Some(CommunityRole::Contributor)
        }
        Action::ManageMembers(c) => {
            principal.admin || principal.role_in(c) == Some(CommunityRole::Manager)
        }
        Action::Administer
        | Action::Investigate
        | Action::ManageCanaries
        | Action::ViewAllProfiles
        | Action::EditOwnProfile => true,
    };
    if role_allows && principal.scope_allows(action.community(), action.writes()) {
        Decision::Allow
    } else {
        Decision::Forbidden
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReleasableCommunity;

    fn principal(nation: &str, memberships: Vec<(i64, CommunityRole)>) -> Principal {
        Principal {
            account: AccountId(1),
            nation: nation.parse().unwrap_or_else(|e| unreachable!("{e}")),
            status: AccountStatus::Active,
            admin: false,
            security: false,
            memberships: memberships
                .into_iter()
                .map(|(c, r)| (CommunityId(c), r))
                .collect(),
            scope: TokenScope::Full,
        }
    }

    fn marking(nations: &[&str], communities: &[i64]) -> Marking {
        Marking {
            label: "NON-PUBLIC".into(),
            releasable_nations: nations.iter().filter_map(|n| n.parse().ok()).collect(),
            releasable_communities: communities
                .iter()
                .map(|c| ReleasableCommunity {
                    id: CommunityId(*c),
                    path: format!("p/c{c}"),
                })
                .collect(),
            public_since: None,
            public_source: None,
            canary: false,
        }
    }

    #[test]
    fn membership_role_and_releasability() {
        let c = CommunityId(7);
        let open = marking(&[], &[]);
        let nor_only = marking(&["NOR"], &[]);
        let via_community = marking(&["USA"], &[9]);
        let reader = principal("FRA", vec![(7, CommunityRole::Reader)]);
        let contributor = principal("NOR", vec![(7, CommunityRole::Contributor)]);
        let outsider = principal("NOR", vec![(8, CommunityRole::Manager)]);
        let cross = principal(
            "FRA",
            vec![(7, CommunityRole::Reader), (9, CommunityRole::Reader)],
        );

        assert_eq!(
            authorize(&reader, Action::ReadDocument(c, &open)),
            Decision::Allow
        );
        assert_eq!(
            authorize(&reader, Action::ReadDocument(c, &nor_only)),
            Decision::NotFound
        );
        assert_eq!(
            authorize(&reader, Action::ReviseDocument(c, &open)),
            Decision::Forbidden
        );
        assert_eq!(
            authorize(&reader, Action::Contribute(c)),
            Decision::Forbidden
        );
        assert_eq!(
            authorize(&contributor, Action::ReviseDocument(c, &nor_only)),
            Decision::Allow
        );
        assert_eq!(
            authorize(&outsider, Action::ReadDocument(c, &open)),
            Decision::NotFound
        );
        assert_eq!(
            authorize(&outsider, Action::ReadCommunity(c)),
            Decision::NotFound
        );
        assert_eq!(
            authorize(&cross, Action::ReadDocument(c, &via_community)),
            Decision::Allow
        );
        assert_eq!(
            authorize(&reader, Action::ReadDocument(c, &via_community)),
            Decision::NotFound
        );
        assert_eq!(authorize(&reader, Action::Administer), Decision::NotFound);
        assert_eq!(
            authorize(&reader, Action::ManageMembers(c)),
            Decision::Forbidden
        );
    }

    #[test]
    fn suspended_and_scoped_principals() {
        let c = CommunityId(7);
        let open = marking(&[], &[]);
        let mut p = principal("NOR", vec![(7, CommunityRole::Manager)]);
        p.admin = true;
        p.scope = TokenScope::ReadOnly;
        assert_eq!(
            authorize(&p, Action::ReadDocument(c, &open)),
            Decision::Allow
        );
        assert_eq!(authorize(&p, Action::Contribute(c)), Decision::Forbidden);
        assert_eq!(authorize(&p, Action::Administer), Decision::Forbidden);
        p.scope = TokenScope::Communities(vec![CommunityId(8)]);
        assert_eq!(authorize(&p, Action::ReadCommunity(c)), Decision::NotFound);
        assert_eq!(authorize(&p, Action::Administer), Decision::NotFound);
        p.scope = TokenScope::Full;
        p.status = AccountStatus::Suspended;
        assert_eq!(authorize(&p, Action::ReadCommunity(c)), Decision::NotFound);
        assert_eq!(authorize(&p, Action::Administer), Decision::NotFound);
    }

    #[test]
    fn admin_is_not_a_reader() {
        let mut admin = principal("NOR", vec![]);
        admin.admin = true;
        let c = CommunityId(7);
        assert_eq!(authorize(&admin, Action::Administer), Decision::Allow);
        assert_eq!(authorize(&admin, Action::ManageMembers(c)), Decision::Allow);
        assert_eq!(
            authorize(&admin, Action::ReadCommunity(c)),
            Decision::NotFound
        );
        assert_eq!(
            authorize(&admin, Action::ReadDocument(c, &marking(&[], &[]))),
            Decision::NotFound
        );
    }
}
