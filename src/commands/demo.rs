//! `rampart demo`: seeds a demo world modelled on the six portals of a real
//! alliance breach — portals, communities, ~150 members from 31 nations,
//! ~500 invented documents with markings and canaries — through the same
//! services as the web UI, so every object is validated and audited.

use super::{announce_first_admin, DataOpts};
use anyhow::Context;
use rampart_app::{
    admin::{self, AccountInput, Actor},
    canaries, documents, App, Origin, Upload, UploadedFile,
};
use rampart_demo::{InstallRole, World};
use rampart_identity::console_principal;

/// Options of `rampart demo`.
#[derive(Debug, clap::Args)]
pub struct Opts {
    #[command(flatten)]
    data: DataOpts,
    /// Seed of the generator (same seed, same world).
    #[arg(long, default_value_t = 7)]
    seed: u64,
    #[command(subcommand)]
    command: Option<DemoCommand>,
}

/// What `rampart demo` can do besides seeding.
#[derive(Debug, clap::Subcommand)]
pub enum DemoCommand {
    /// Scrape a running portal as a compromised account and report how much
    /// it got before the exfiltration guard contained it.
    Attack(rampart_demo::attack::Opts),
}

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    if let Some(DemoCommand::Attack(attack)) = opts.command {
        return rampart_demo::attack::run(attack).await;
    }
    let (state, first) = opts.data.open().await?;
    announce_first_admin(&first);
    if !state.store.list_portals().await?.is_empty() {
        anyhow::bail!(
            "{} already has portals; the demo seeds only an empty install",
            opts.data.data.display()
        );
    }
    let world = rampart_demo::generate(opts.seed);
    let accounts = seed_structure(&state, &world).await?;
    let profiles = seed_profiles(&state, &world).await?;
    let documents = seed_documents(&state, &world).await?;
    rampart_app::install::close(&state).await?;
    let table = accounts_table(&world, &accounts);
    let saved = opts.data.data.join("demo-accounts.txt");
    super::write_private(&saved, table.as_bytes())?;
    println!();
    println!(
        "Demo accounts (each one-time password must be changed at first sign-in, then a second factor is set up; also in {}):",
        saved.display()
    );
    print!("{table}");
    println!();
    println!(
        "Seeded {} portals, {} communities, {} accounts ({profiles} directory profiles) and {documents} documents.",
        world.portals.len(),
        world
            .portals
            .iter()
            .map(|p| p.communities.len())
            .sum::<usize>(),
        accounts.len()
    );
    // Named with the binary this ran as (a release build, an installed
    // copy, or cargo's target dir).
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "rampart".into());
    println!(
        "Serve it with:  {exe} serve --data {}",
        opts.data.data.display()
    );
    Ok(())
}

/// One line per account: email, one-time password, and its install role
/// or its communities with the role in each.
fn accounts_table(world: &World, accounts: &[(String, String, String)]) -> String {
    let mut out = format!("{:<45} {:<24} {}\n", "EMAIL", "ONE-TIME PASSWORD", "ROLES");
    for (email, role, password) in accounts {
        let mut roles: Vec<String> = world
            .portals
            .iter()
            .flat_map(|p| {
                p.communities.iter().filter_map(move |c| {
                    c.members
                        .iter()
                        .find(|m| &m.email == email)
                        .map(|m| format!("{}/{} {}", p.slug, c.slug, m.role.as_str()))
                })
            })
            .collect();
        if role != "member" {
            roles.insert(0, format!("install {role}"));
        }
        if roles.is_empty() {
            roles.push("no community".into());
        }
        out.push_str(&format!(
            "{email:<45} {password:<24} {}\n",
            roles.join(", ")
        ));
    }
    out
}

fn fail(e: impl Into<rampart_app::Error>) -> anyhow::Error {
    anyhow::anyhow!("{}", e.into())
}

async fn seed_structure(
    state: &App,
    world: &World,
) -> anyhow::Result<Vec<(String, String, String)>> {
    let console = Actor::Console;
    let mut accounts = Vec::new();
    for account in &world.accounts {
        let (_, password) = admin::create_account(
            state,
            console,
            AccountInput {
                email: &account.email,
                name: &account.name,
                nation: &account.nation,
                admin: account.install_role == Some(InstallRole::Admin),
                security: account.install_role == Some(InstallRole::Security),
            },
        )
        .await
        .map_err(fail)
        .with_context(|| format!("account {}", account.email))?;
        let role = account.install_role.map(|r| r.as_str()).unwrap_or("member");
        accounts.push((account.email.clone(), role.to_owned(), password));
    }
    for portal in &world.portals {
        admin::create_portal(state, console, &portal.slug, &portal.name)
            .await
            .map_err(fail)
            .with_context(|| format!("portal {}", portal.slug))?;
        for community in &portal.communities {
            admin::create_community(
                state,
                console,
                &portal.slug,
                &community.slug,
                &community.name,
            )
            .await
            .map_err(fail)?;
            let path = format!("{}/{}", portal.slug, community.slug);
            for member in &community.members {
                admin::set_membership(state, console, &path, &member.email, member.role.as_str())
                    .await
                    .map_err(fail)
                    .with_context(|| format!("member {} of {path}", member.email))?;
            }
        }
    }
    Ok(accounts)
}

async fn seed_documents(state: &App, world: &World) -> anyhow::Result<usize> {
    let client = Origin::Console;
    // Canaries are planted by the security officer, attributed to the
    // contributor the world says uploaded them.
    let officer = world
        .accounts
        .iter()
        .find(|a| a.install_role == Some(InstallRole::Security))
        .context("the demo world has no security officer")?;
    let officer = console_principal(&state.identity, &officer.email.parse()?)
        .await
        .map_err(fail)?;
    for doc in &world.documents {
        let community = state
            .store
            .community_by_path(&doc.portal, &doc.community)
            .await?
            .with_context(|| format!("community {}/{}", doc.portal, doc.community))?;
        let mut writer = state.blobs.writer(state.config.upload.max_bytes).await?;
        writer.write(&doc.content).await?;
        let mut releasable: Vec<String> = doc.releasable_nations.clone();
        releasable.extend(doc.releasable_communities.iter().cloned());
        let upload = Upload {
            title: Some(doc.title.clone()),
            label: Some(doc.label.clone()),
            releasable: Some(releasable.join(",")),
            public_since: doc.public_since.clone(),
            public_source: doc.public_source.clone(),
            file: Some(UploadedFile {
                writer,
                filename: doc.filename.clone(),
            }),
            ..Upload::default()
        };
        let created = if doc.canary {
            let upload = Upload {
                community: Some(format!("{}/{}", doc.portal, doc.community)),
                attributed_to: Some(doc.uploader.clone()),
                ..upload
            };
            canaries::plant(state, &officer, &client, upload).await
        } else {
            let user = console_principal(&state.identity, &doc.uploader.parse()?)
                .await
                .map_err(fail)?;
            documents::create_document(state, &user, &client, &community, upload).await
        };
        created
            .map_err(fail)
            .with_context(|| format!("document {:?}", doc.title))?;
    }
    Ok(world.documents.len())
}

/// Invented directory profiles for every demo account, imported as an
/// administrator's CSV file would be (the same checks, sealed the same
/// way). Phone numbers are in the 555 range and addresses are made up.
async fn seed_profiles(state: &App, world: &World) -> anyhow::Result<usize> {
    const ORGANISATIONS: &[&str] = &[
        "Ministry of Defence",
        "Joint Logistics Command",
        "Defence Research Agency",
        "Armed Forces Staff College",
        "Defence Procurement Office",
        "National Standards Directorate",
    ];
    const POSITIONS: &[&str] = &[
        "Staff officer",
        "Desk officer",
        "Analyst",
        "Programme manager",
        "Liaison officer",
        "Training coordinator",
        "Logistics planner",
    ];
    const UNITS: &[&str] = &[
        "J4 Logistics",
        "J7 Training",
        "J2 Intelligence",
        "J6 Communications",
        "Plans Branch",
    ];
    const STREETS: &[&str] = &[
        "Harbour Road",
        "Garrison Street",
        "Station Square",
        "Parade Lane",
        "Bastion Way",
    ];
    let known = ["position", "unit", "phone", "address"];
    let fields: Vec<&str> = known
        .into_iter()
        .filter(|f| state.config.directory.fields.iter().any(|c| c == f))
        .collect();
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut csv = format!("email,organisation,{}\n", fields.join(","));
    for (i, account) in world.accounts.iter().enumerate() {
        let pick = |list: &[&'static str], salt: usize| list[(i * 7 + salt * 3) % list.len()];
        let value = |field: &str| match field {
            "position" => pick(POSITIONS, 1).to_owned(),
            "unit" => pick(UNITS, 2).to_owned(),
            "phone" => format!("+1 555 01{:02}", i % 100),
            _ => format!("{} {}, Demo City", 10 + i % 90, pick(STREETS, 3)),
        };
        let mut row = vec![
            quote(&account.email),
            quote(&format!("{} ({})", pick(ORGANISATIONS, 0), account.nation)),
        ];
        row.extend(fields.iter().map(|f| quote(&value(f))));
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    let report = rampart_app::directory::import_csv(state, Actor::Console, csv.as_bytes())
        .await
        .map_err(fail)?;
    if !report.problems.is_empty() {
        anyhow::bail!("demo profiles: {}", report.problems.join("; "));
    }
    Ok(report.updated)
}
