//! `rampart admin …`: account, portal, community, membership and token
//! management from the server's console. Changes are audited like the ones
//! made in the web UI. Commands that create a secret print only the secret
//! on stdout, so scripts can capture it.

use super::DataOpts;
use clap::Subcommand;
use rampart_app::admin::{self, AccountInput, Actor};

/// Options of `rampart admin`.
#[derive(Debug, clap::Args)]
pub struct Opts {
    #[command(flatten)]
    data: DataOpts,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Portals.
    #[command(subcommand)]
    Portal(PortalCommand),
    /// Communities.
    #[command(subcommand)]
    Community(CommunityCommand),
    /// Memberships.
    #[command(subcommand)]
    Member(MemberCommand),
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account; prints only its one-time password.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// ISO 3166-1 alpha-3 nation code.
        #[arg(long)]
        nation: String,
        /// Install-wide role.
        #[arg(long, value_parser = ["admin", "security"])]
        role: Option<String>,
    },
    /// Create or update accounts and their directory profiles from a CSV
    /// file with a header row (email, name, nation, organisation and the
    /// configured personal fields). Every row is checked first; if any is
    /// wrong, nothing is imported. Prints `email,one-time password` for
    /// each account created.
    Import {
        /// The CSV file.
        file: std::path::PathBuf,
    },
    /// Suspend an account: no sign-in, session or token works until it is
    /// unlocked.
    Suspend { email: String },
    /// Let a suspended or held account back in (also lifts the guard's hold
    /// and closes its open alerts): the way back when the only
    /// administrator or security officer is locked out.
    Unlock { email: String },
    /// Remove the account's authenticator, recovery codes and passkeys and
    /// end its sessions; its next sign-in enrolls a second factor again.
    ResetSecondFactor { email: String },
    /// Make the account choose a new password at its next sign-in (its
    /// sessions end).
    ForcePasswordChange { email: String },
    /// End every session of the account (API tokens are kept).
    EndSessions { email: String },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Issue an API token; prints only the token.
    Add {
        #[arg(long)]
        email: String,
        /// Lifetime, e.g. 30d or 12h.
        #[arg(long)]
        expires: Option<humantime::Duration>,
        /// `read`, or a comma-separated list of PORTAL/COMMUNITY (default: everything the account may do).
        #[arg(long, default_value = "full")]
        scope: String,
        /// A name to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// List an account's tokens (id, name, scope, expiry, state); never the secrets.
    List {
        #[arg(long)]
        email: String,
    },
    /// Revoke a token by id.
    Revoke {
        #[arg(long)]
        email: String,
        /// Token id as shown by `token list` (t-…).
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum PortalCommand {
    /// Create a portal.
    Add { slug: String, name: String },
}

#[derive(Debug, Subcommand)]
enum CommunityCommand {
    /// Create a community in a portal.
    Add {
        portal: String,
        slug: String,
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum MemberCommand {
    /// Add a member to PORTAL/COMMUNITY with a role (reader, contributor, manager), or change the role.
    Add {
        community: String,
        email: String,
        role: String,
    },
    /// Remove a member from PORTAL/COMMUNITY.
    Remove { community: String, email: String },
}

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    let (state, first) = opts.data.open().await?;
    if let Some(first) = first {
        // Stdout is reserved for the command's own output; the first
        // administrator's password still has to reach a human once.
        eprintln!(
            "Created the first administrator {} with one-time password {}",
            first.email, first.password
        );
    }
    let console = Actor::Console;
    let result = match opts.command {
        AdminCommand::User(UserCommand::Add {
            email,
            name,
            nation,
            role,
        }) => {
            let role = role.as_deref();
            admin::create_account(
                &state,
                console,
                AccountInput {
                    email: &email,
                    name: &name,
                    nation: &nation,
                    admin: role == Some("admin"),
                    security: role == Some("security"),
                },
            )
            .await
            .map(|(_, password)| println!("{password}"))
        }
        AdminCommand::User(UserCommand::Import { file }) => import_profiles(&state, &file).await,
        AdminCommand::User(command) => account_action(&state, command).await,
        AdminCommand::Token(TokenCommand::Add {
            email,
            expires,
            scope,
            name,
        }) => {
            let expires_at = match expires {
                None => None,
                Some(d) => {
                    let d = time::Duration::try_from(*d)
                        .map_err(|_| anyhow::anyhow!("--expires is too long"))?;
                    Some(state.clock.now() + d)
                }
            };
            admin::issue_token(&state, console, &email, &name, &scope, expires_at)
                .await
                .map(|token| println!("{token}"))
        }
        AdminCommand::Token(TokenCommand::List { email }) => {
            admin::list_tokens(&state, &email).await.map(|tokens| {
                for t in tokens {
                    let state = if t.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    };
                    let expires = t
                        .expires_at
                        .map(|e| e.to_string())
                        .unwrap_or_else(|| "never".into());
                    println!("{}\t{}\t{}\t{expires}\t{state}", t.id, t.name, t.scope);
                }
            })
        }
        AdminCommand::Token(TokenCommand::Revoke { email, id }) => {
            admin::revoke_token(&state, console, &email, &id).await
        }
        AdminCommand::Portal(PortalCommand::Add { slug, name }) => {
            admin::create_portal(&state, console, &slug, &name).await
        }
        AdminCommand::Community(CommunityCommand::Add { portal, slug, name }) => {
            admin::create_community(&state, console, &portal, &slug, &name).await
        }
        AdminCommand::Member(MemberCommand::Add {
            community,
            email,
            role,
        }) => admin::set_membership(&state, console, &community, &email, &role).await,
        AdminCommand::Member(MemberCommand::Remove { community, email }) => {
            admin::remove_membership(&state, console, &community, &email).await
        }
    };
    rampart_app::install::close(&state).await?;
    result.map_err(|e| anyhow::anyhow!("{e}"))
}

/// `rampart admin user suspend|unlock|… EMAIL`: the same actions as the
/// account's admin page, audited with the console as the actor; what was
/// done goes to stdout.
async fn account_action(
    state: &rampart_app::App,
    command: UserCommand,
) -> Result<(), rampart_app::Error> {
    use rampart_app::admin::accounts::{self, AccountAction as A};
    let (email, action) = match command {
        UserCommand::Suspend { email } => (email, A::Suspend),
        UserCommand::Unlock { email } => (email, A::Unlock),
        UserCommand::ResetSecondFactor { email } => (email, A::ResetSecondFactor),
        UserCommand::ForcePasswordChange { email } => (email, A::ForcePasswordChange),
        UserCommand::EndSessions { email } => (email, A::EndSessions),
        UserCommand::Add { .. } | UserCommand::Import { .. } => {
            return Err(rampart_app::Error::BadRequest(
                "not an account action".into(),
            ))
        }
    };
    let done = accounts::apply_by_email(state, Actor::Console, &email, action).await?;
    println!("{done}");
    Ok(())
}

/// `rampart admin user import FILE.csv`: the report on stderr, the new
/// accounts' one-time passwords on stdout.
async fn import_profiles(
    state: &rampart_app::App,
    file: &std::path::Path,
) -> Result<(), rampart_app::Error> {
    let text = std::fs::read(file)
        .map_err(|e| rampart_app::Error::Invalid(format!("reading {}: {e}", file.display())))?;
    let report = rampart_app::directory::import_csv(state, Actor::Console, &text).await?;
    if !report.problems.is_empty() {
        for problem in &report.problems {
            eprintln!("{}: {problem}", file.display());
        }
        return Err(rampart_app::Error::Invalid(format!(
            "{} problems; nothing was imported",
            report.problems.len()
        )));
    }
    for (email, password) in &report.created {
        println!("{email},{password}");
    }
    eprintln!(
        "imported {} profiles: {} accounts created, {} updated",
        report.created.len() + report.updated,
        report.created.len(),
        report.updated
    );
    Ok(())
}
