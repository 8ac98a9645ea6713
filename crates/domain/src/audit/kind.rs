//! Every kind of audit event Rampart writes, in one enum: an event can only
//! be built with one of these (`rampart_app`'s `App::event`), the security
//! console's filter offers exactly these, and `docs/AUDIT.md` lists them
//! (a test keeps the table and the enum equal). The string form is stable:
//! it is what the log holds and what people filter on.

/// Declares the kinds with their string form and what they record, so the
/// list, the strings and the descriptions cannot drift apart.
macro_rules! kinds {
    ($($(#[doc = $doc:literal])+ $variant:ident = $name:literal,)+) => {
        /// What an audit event records.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditKind {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl AuditKind {
            /// Every kind, in the order of the docs table.
            pub const ALL: &'static [AuditKind] = &[$(AuditKind::$variant,)+];

            /// The stable string form written to the log.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(AuditKind::$variant => $name,)+
                }
            }

            /// What an event of this kind records (the docs table's text).
            pub fn description(self) -> &'static str {
                match self {
                    $(AuditKind::$variant => concat!($($doc),+).trim_ascii(),)+
                }
            }
        }
    };
}

kinds! {
    /// A password or OIDC sign-in attempt (ok, failed, denied when throttled).
    Login = "login",
    /// A TOTP code entered as the second factor of a sign-in.
    LoginTotp = "login_totp",
    /// A recovery code entered instead of a TOTP code.
    LoginRecovery = "login_recovery",
    /// A passkey used as the second factor of a sign-in.
    LoginPasskey = "login_passkey",
    /// A session ended by its holder.
    Logout = "logout",
    /// A complete sign-in from a network and user agent not seen before for the account.
    NewDevice = "new_device",
    /// A password change (ok, or failed on a wrong current password).
    PasswordChange = "password_change",
    /// A cookie-authenticated unsafe request without its session's CSRF token.
    Csrf = "csrf",
    /// An API token refused (unknown, expired or revoked).
    Token = "token",
    /// A TOTP secret enrolled at the console for an account.
    TotpEnroll = "totp.enroll",
    /// A TOTP enrollment confirmed with its first code.
    TotpConfirm = "totp.confirm",
    /// A passkey registered (ok or failed).
    PasskeyRegister = "passkey.register",
    /// A passkey removed by its owner.
    PasskeyRemove = "passkey.remove",
    /// A passkey whose signature counter went backwards (a cloned authenticator).
    PasskeyCounter = "passkey.counter",
    /// A passkey offered for a step-up refused, with the reason (`guard.step_up` records the step-up's outcome).
    PasskeyStepUp = "passkey.step_up",
    /// An account created at its first sign-in through an OpenID Provider.
    OidcAccountRegister = "oidc.account_register",
    /// An API token created by its owner.
    AccountTokenCreate = "account.token_create",
    /// An API token revoked by its owner.
    AccountTokenRevoke = "account.token_revoke",
    /// Another session of the account ended by its owner.
    AccountSessionEnd = "account.session_end",
    /// A directory profile changed by its owner (which fields, never their values).
    AccountProfile = "account.profile",
    /// A portal's communities listed, or a portal refused (it does not exist or shows nothing).
    Portal = "portal",
    /// A community refused to the principal.
    Community = "community",
    /// A document refused to the principal.
    Document = "document",
    /// A library listing (one page of a community's documents).
    List = "list",
    /// A search: its query, filters, page and how many results were shown.
    Search = "search",
    /// A page of the member directory: its query and every profile shown.
    DirectoryView = "directory.view",
    /// A document's metadata viewed.
    View = "view",
    /// A copy served, with its download id and watermark scheme.
    Download = "download",
    /// A document or a new version uploaded.
    Upload = "upload",
    /// The exfiltration guard refused or slowed a request.
    Guard = "guard",
    /// A step-up confirmed or refused (second factor, passkey or password).
    GuardStepUp = "guard.step_up",
    /// The guard's alerts read by an investigator.
    GuardAlerts = "guard.alerts",
    /// A held or suspended account unlocked by an investigator.
    GuardUnlock = "guard.unlock",
    /// An alert closed with its account kept locked.
    GuardKeepLocked = "guard.keep_locked",
    /// A canary planted by a security officer.
    CanaryPlant = "canary.plant",
    /// A canary switched on or off.
    CanarySet = "canary.set",
    /// The canaries listed by a security officer.
    CanaryList = "canary.list",
    /// The audit trail viewed in the security console.
    AuditView = "audit.view",
    /// The whole audit log verified from the console.
    AuditVerify = "audit.verify",
    /// The filtered audit trail exported (CSV or JSON) from the console.
    AuditExport = "audit.export",
    /// A portal created by an administrator.
    AdminPortalAdd = "admin.portal_add",
    /// A community created by an administrator.
    AdminCommunityAdd = "admin.community_add",
    /// An account created by an administrator.
    AdminAccountAdd = "admin.account_add",
    /// An account suspended by an administrator (its sessions end).
    AdminAccountSuspend = "admin.account_suspend",
    /// A suspended account let back in by an administrator.
    AdminAccountUnlock = "admin.account_unlock",
    /// An account's second factors removed by an administrator (it enrolls again).
    AdminFactorsReset = "admin.factors_reset",
    /// An account made to choose a new password at its next sign-in.
    AdminPasswordExpire = "admin.password_expire",
    /// An account's sessions ended by an administrator.
    AdminSessionsEnd = "admin.sessions_end",
    /// A membership set (added or its role changed).
    AdminMemberSet = "admin.member_set",
    /// A membership removed.
    AdminMemberRemove = "admin.member_remove",
    /// An API token created for an account by an administrator.
    AdminTokenCreate = "admin.token_create",
    /// An API token revoked by an administrator.
    AdminTokenRevoke = "admin.token_revoke",
    /// A download budget set for an account or community.
    AdminBudgetSet = "admin.budget_set",
    /// A download budget override removed.
    AdminBudgetRemove = "admin.budget_remove",
    /// Profiles imported from a CSV file (how many accounts created and updated).
    AdminProfileImport = "admin.profile_import",
}

impl std::fmt::Display for AuditKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AuditKind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        AuditKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_distinct_and_read_back() {
        let mut seen = std::collections::HashSet::new();
        for kind in AuditKind::ALL {
            assert!(seen.insert(kind.as_str()), "{kind} twice");
            assert_eq!(kind.as_str().parse::<AuditKind>(), Ok(*kind));
            assert!(!kind.description().is_empty());
        }
        assert!("webauthn_step_up".parse::<AuditKind>().is_err());
    }

    /// `docs/AUDIT.md` lists every kind, and only those, in the enum's
    /// order, with the enum's description.
    #[test]
    fn the_docs_table_is_the_enum() {
        let doc = include_str!("../../../../docs/AUDIT.md");
        let table = doc.split("## Renamed kinds").next().unwrap_or_default();
        let rows: Vec<(String, String)> = table
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                let kind = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                Some((kind.to_owned(), cells.get(2)?.to_string()))
            })
            .collect();
        let expected: Vec<(String, String)> = AuditKind::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), k.description().to_owned()))
            .collect();
        assert_eq!(
            rows, expected,
            "docs/AUDIT.md's table differs from AuditKind"
        );
    }
}
