//! The organisation of the demo install: six portals, their twenty
//! communities, about 150 member accounts from 31 nations, and who is a
//! member of what with which role. Documents are generated afterwards and
//! only read this structure.

use std::collections::{BTreeMap, BTreeSet};

use rand::seq::SliceRandom;
use rand::Rng;

use crate::genre::Genre;
use crate::nations::{email_part, nations};
use crate::rng::{chance, pick, weighted, DemoRng};
use crate::topics::Topic;
use crate::{Account, Community, InstallRole, Member, Portal, Role, ADMIN_EMAIL, SECURITY_EMAIL};

/// Number of member accounts (not counting the two install-wide ones).
const MEMBER_ACCOUNTS: usize = 150;
/// Every community gets at least this many members.
const MIN_MEMBERS: usize = 6;

/// `portal slug|portal name|genre`, then its communities as
/// `  community slug|community name|topic`.
const LAYOUT: &str = "\
lessons|Hindsight — Lessons Learned Portal|lessons
  counter-drone|Counter-Drone Lessons|drone
  air-missile-defence|Air and Missile Defence Observations|hypersonic
  medical-support|Deployed Medical Support|medical
  exercise-reports|Exercise After-Action Reports|comms
standards|Keystone — Standardization Workbench|standards
  interoperability|Interoperability Profiles|comms
  munitions-safety|Munitions Safety Working Group|munitions
  cbrn-standards|CBRN and Radiological Standards|radwaste
  comms-protocols|Tactical Data Link Protocols|cyber
logistics|Supply Line — Logistics Portal|logistics
  fuel-and-energy|Fuel and Energy Support|fuel
  movement-planning|Movement and Transportation Planning|movement
  spare-parts|Spare Parts and Maintenance|munitions
elearning|Campus — E-Learning Portal|elearning
  course-authors|Course Authors Network|cyber
  cbrn-training|CBRN Defence Training|radwaste
  instructors|Instructor Community|drone
investment|Foundry — Capability Investment Portal|investment
  infrastructure-projects|Infrastructure Projects|infrastructure
  sensor-programmes|Sensor and Surveillance Programmes|hypersonic
  budget-review|Budget Review Panel|infrastructure
cooperation|Bridgehead — Partner Cooperation Portal|cooperation
  partner-liaison|Partner Liaison Officers|movement
  maritime-security|Maritime Security Cooperation|maritime
  hypersonic-threats|Emerging Threats Working Group|hypersonic";

/// Where a community sits and what its documents are about.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    /// Index of the portal in [`Org::portals`].
    pub portal: usize,
    /// Index of the community within its portal.
    pub community: usize,
    /// What kind of documents the portal holds.
    pub genre: Genre,
    /// What the community's documents are about.
    pub topic: Topic,
}

/// The generated organisation.
pub(crate) struct Org {
    /// Portals with communities and members.
    pub portals: Vec<Portal>,
    /// All accounts, member accounts first.
    pub accounts: Vec<Account>,
    /// One entry per community, in portal then community order.
    pub places: Vec<Place>,
}

impl Org {
    /// The community at `place`.
    pub fn community(&self, place: &Place) -> Option<&Community> {
        self.portals
            .get(place.portal)
            .and_then(|p| p.communities.get(place.community))
    }

    /// `portal/community` key of `place`.
    pub fn key(&self, place: &Place) -> String {
        let portal = self.portals.get(place.portal).map(|p| p.slug.as_str());
        let community = self.community(place).map(|c| c.slug.as_str());
        format!("{}/{}", portal.unwrap_or(""), community.unwrap_or(""))
    }

    /// The account with `email`.
    pub fn account(&self, email: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.email == email)
    }

    /// `portal/community` keys of every community `email` is a member of.
    pub fn memberships(&self, email: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for portal in &self.portals {
            for community in &portal.communities {
                if community.members.iter().any(|m| m.email == email) {
                    keys.push(format!("{}/{}", portal.slug, community.slug));
                }
            }
        }
        keys
    }
}

/// Build portals, accounts and memberships.
pub(crate) fn build(rng: &mut DemoRng) -> Org {
    let (mut portals, places) = layout();
    let mut accounts = member_accounts(rng);
    let community_count = places.len();

    // Which communities each account joins: 1–4, mostly 1–2.
    let mut joined: Vec<BTreeSet<usize>> = Vec::with_capacity(accounts.len());
    for _ in &accounts {
        let want = 1 + weighted(rng, &[30, 38, 22, 10]);
        let mut all: Vec<usize> = (0..community_count).collect();
        all.shuffle(rng);
        joined.push(all.into_iter().take(want).collect());
    }
    // Top up small communities from accounts with room to spare.
    for c in 0..community_count {
        let mut guard = 0;
        while joined.iter().filter(|j| j.contains(&c)).count() < MIN_MEMBERS && guard < 10_000 {
            guard += 1;
            let a = rng.gen_range(0..joined.len());
            if let Some(set) = joined.get_mut(a) {
                if set.len() < 4 && !set.contains(&c) {
                    set.insert(c);
                }
            }
        }
    }

    // Roles per community: 1–2 managers, about a fifth contributors.
    let mut by_community: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (a, set) in joined.iter().enumerate() {
        for c in set {
            by_community.entry(*c).or_default().push(a);
        }
    }
    for (c, mut members) in by_community {
        members.shuffle(rng);
        let managers = if members.len() > 10 && chance(rng, 0.6) {
            2
        } else {
            1
        };
        let contributors = (members.len() / 5).max(2);
        let mut list: Vec<Member> = members
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                let role = if i < managers {
                    Role::Manager
                } else if i < managers + contributors {
                    Role::Contributor
                } else {
                    Role::Reader
                };
                accounts.get(*a).map(|acc| Member {
                    email: acc.email.clone(),
                    role,
                })
            })
            .collect();
        list.sort_by(|x, y| x.email.cmp(&y.email));
        if let Some(place) = places.get(c) {
            if let Some(community) = portals
                .get_mut(place.portal)
                .and_then(|p| p.communities.get_mut(place.community))
            {
                community.members = list;
            }
        }
    }

    accounts.push(Account {
        email: ADMIN_EMAIL.to_string(),
        name: "Portal Administrator".to_string(),
        nation: "BEL".to_string(),
        install_role: Some(InstallRole::Admin),
    });
    accounts.push(Account {
        email: SECURITY_EMAIL.to_string(),
        name: "Security Officer".to_string(),
        nation: "BEL".to_string(),
        install_role: Some(InstallRole::Security),
    });
    Org {
        portals,
        accounts,
        places,
    }
}

/// Portals and communities from [`LAYOUT`], without members.
fn layout() -> (Vec<Portal>, Vec<Place>) {
    let mut portals: Vec<Portal> = Vec::new();
    let mut places = Vec::new();
    let mut genre = Genre::Lessons;
    for line in LAYOUT.lines() {
        let mut parts = line.trim().split('|');
        let (slug, name, kind) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        if line.starts_with(' ') {
            let portal_index = portals.len().saturating_sub(1);
            let Some(portal) = portals.last_mut() else {
                continue;
            };
            places.push(Place {
                portal: portal_index,
                community: portal.communities.len(),
                genre,
                topic: Topic::from_key(kind),
            });
            portal.communities.push(Community {
                slug: slug.to_string(),
                name: name.to_string(),
                members: Vec::new(),
            });
        } else {
            genre = Genre::from_key(kind);
            portals.push(Portal {
                slug: slug.to_string(),
                name: name.to_string(),
                communities: Vec::new(),
            });
        }
    }
    (portals, places)
}

/// [`MEMBER_ACCOUNTS`] accounts with unique e-mails; every nation has at
/// least two, the rest are spread by nation weight.
fn member_accounts(rng: &mut DemoRng) -> Vec<Account> {
    let nations = nations();
    let weights: Vec<u32> = nations.iter().map(|n| n.weight).collect();
    let mut per_nation = vec![2usize; nations.len()];
    for _ in per_nation.iter().sum::<usize>()..MEMBER_ACCOUNTS {
        if let Some(slot) = per_nation.get_mut(weighted(rng, &weights)) {
            *slot += 1;
        }
    }
    let mut emails = BTreeSet::new();
    let mut accounts = Vec::with_capacity(MEMBER_ACCOUNTS);
    for (nation, count) in nations.iter().zip(per_nation) {
        let mut made = 0;
        let mut attempt = 0;
        while made < count {
            attempt += 1;
            let first = pick(rng, &nation.first);
            let last = pick(rng, &nation.last);
            let mut local = format!("{}.{}", email_part(first), email_part(last));
            if attempt > 50 {
                // Pools exhausted: disambiguate with a number, as real directories do.
                local = format!("{local}{}", attempt);
            }
            let email = format!("{local}@{}.example", nation.domain);
            if emails.insert(email.clone()) {
                accounts.push(Account {
                    email,
                    name: format!("{first} {last}"),
                    nation: nation.code.to_string(),
                    install_role: None,
                });
                made += 1;
                attempt = 0;
            }
        }
    }
    accounts.shuffle(rng);
    accounts
}
