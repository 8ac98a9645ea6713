//! Generates the document collection: how many documents each community
//! holds, in which format, who uploaded them, how they are marked (label,
//! releasability, public release) and which five are canaries. Text comes
//! from `text.rs`, bytes from `render.rs`.

use std::collections::BTreeSet;

use rand::seq::SliceRandom;
use rand::Rng;

use crate::nations::nations;
use crate::org::{Org, Place};
use crate::render::{render, Doc, Marking};
use crate::rng::{child, pick, weighted, DemoRng};
use crate::text::{body, formation, title, Block, Date, Section};
use crate::{Document, Format, Role, CANARY_COUNT, LABEL_NON_PUBLIC};

/// Lowest and highest number of documents in a world.
const TOTAL: std::ops::RangeInclusive<usize> = 480..=520;

/// The canaries: portal they are placed in, title, label and kind of decoy
/// entries. Each lands in a random community of its portal.
const CANARIES: &[(&str, &str, &str, Decoy)] = &[
    (
        "cooperation",
        "Member directory — full contact list (restricted)",
        "NON-PUBLIC // PERSONAL DATA",
        Decoy::Directory,
    ),
    (
        "elearning",
        "Personnel vetting results — complete list",
        "NON-PUBLIC // PERSONAL DATA",
        Decoy::Vetting,
    ),
    (
        "logistics",
        "Unredacted vulnerability assessment of all sites",
        LABEL_NON_PUBLIC,
        Decoy::Sites,
    ),
    (
        "investment",
        "Contract pricing and budget reserves — confidential annex",
        "NON-PUBLIC // COMMERCIAL IN CONFIDENCE",
        Decoy::Prices,
    ),
    (
        "standards",
        "Portal administrator accounts and recovery procedure",
        LABEL_NON_PUBLIC,
        Decoy::Accounts,
    ),
];

#[derive(Debug, Clone, Copy)]
enum Decoy {
    Directory,
    Vetting,
    Sites,
    Prices,
    Accounts,
}

/// How a document is restricted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Restriction {
    None,
    Nations,
    Communities,
    Public,
}

/// Build every document of the world.
pub(crate) fn build(rng: &mut DemoRng, org: &Org) -> Vec<Document> {
    let total = rng.gen_range(TOTAL);
    let places = &org.places;

    // Which community each document goes to.
    let weights: Vec<u32> = places.iter().map(|_| rng.gen_range(70..=130)).collect();
    let mut slots: Vec<usize> = (0..total).map(|_| weighted(rng, &weights)).collect();
    slots.sort_unstable();

    // Formats: 35% text, 25% Markdown, 20% HTML, 20% PDF, shuffled.
    let mut formats: Vec<Format> = (0..total)
        .map(|i| match i * 100 / total {
            0..=34 => Format::Text,
            35..=59 => Format::Markdown,
            60..=79 => Format::Html,
            _ => Format::Pdf,
        })
        .collect();
    formats.shuffle(rng);

    // Canaries: the first document of a random community of each canary's portal.
    let mut canaries: Vec<(usize, usize)> = Vec::new(); // (document index, canary number)
    for (n, (slug, ..)) in CANARIES.iter().enumerate().take(CANARY_COUNT) {
        let Some(portal) = org.portals.iter().position(|p| p.slug == *slug) else {
            continue;
        };
        let mut candidates: Vec<usize> = (0..places.len())
            .filter(|c| places.get(*c).is_some_and(|p| p.portal == portal))
            .collect();
        candidates.shuffle(rng);
        if let Some(doc) = candidates
            .iter()
            .find_map(|c| slots.iter().position(|s| s == c))
        {
            canaries.push((doc, n));
        }
    }

    // Restrictions and labels on the other documents.
    let mut others: Vec<usize> = (0..total)
        .filter(|i| !canaries.iter().any(|(d, _)| d == i))
        .collect();
    others.shuffle(rng);
    let mut restriction = vec![Restriction::None; total];
    let (public, nations_only, communities_only) =
        (total * 5 / 100, total * 15 / 100, total * 5 / 100);
    for (k, i) in others.iter().enumerate() {
        if let Some(r) = restriction.get_mut(*i) {
            *r = if k < public {
                Restriction::Public
            } else if k < public + nations_only {
                Restriction::Nations
            } else if k < public + nations_only + communities_only {
                Restriction::Communities
            } else {
                Restriction::None
            };
        }
    }

    let mut titles = BTreeSet::new();
    let mut filenames = BTreeSet::new();
    let mut documents = Vec::with_capacity(total);
    for (i, community) in slots.iter().enumerate() {
        let mut rng = child(rng);
        let Some(place) = places.get(*community) else {
            continue;
        };
        let format = formats.get(i).copied().unwrap_or(Format::Text);
        let canary = canaries
            .iter()
            .find(|(d, _)| *d == i)
            .and_then(|(_, n)| CANARIES.get(*n));
        let kind = restriction.get(i).copied().unwrap_or(Restriction::None);
        if let Some(doc) = one(
            &mut rng,
            org,
            place,
            format,
            canary,
            kind,
            &mut titles,
            &mut filenames,
        ) {
            documents.push(doc);
        }
    }
    documents
}

/// Generate one document.
#[allow(clippy::too_many_arguments)]
fn one(
    rng: &mut DemoRng,
    org: &Org,
    place: &Place,
    format: Format,
    canary: Option<&(&str, &str, &str, Decoy)>,
    restriction: Restriction,
    titles: &mut BTreeSet<String>,
    filenames: &mut BTreeSet<String>,
) -> Option<Document> {
    let portal = org.portals.get(place.portal)?;
    let community = org.community(place)?;
    let key = org.key(place);
    let pools = place.topic.pools();

    // Uploader: contributors upload most, managers some; canaries come from a manager.
    let uploaders: Vec<_> = community
        .members
        .iter()
        .filter(|m| m.role.can_upload())
        .collect();
    let weights: Vec<u32> = uploaders
        .iter()
        .map(|m| match (m.role, canary.is_some()) {
            (Role::Manager, true) => 10,
            (_, true) => 0,
            (Role::Manager, false) => 1,
            _ => 3,
        })
        .collect();
    let uploader = uploaders.get(weighted(rng, &weights))?;
    let account = org.account(&uploader.email)?;

    let kinds = place.genre.kinds();
    let doc_kind = pick(rng, &kinds);
    let originator = match rng.gen_range(0..3) {
        0 => format!("{} secretariat", community.name),
        1 => formation(rng),
        _ => capitalise(pick(rng, &pools.actors)),
    };
    let target = match rng.gen_range(0..10) {
        0..=3 => rng.gen_range(250..700),
        4..=7 => rng.gen_range(700..1800),
        _ => rng.gen_range(1800..3500),
    };
    let mut body = body(rng, place.genre, &pools, doc_kind, &originator, target);

    let mut the_title = String::new();
    for attempt in 0..40 {
        the_title = match canary {
            Some((_, t, _, _)) => t.to_string(),
            None if attempt < 30 => title(rng, &pools, doc_kind, body.date.year),
            None => format!(
                "{} (part {attempt})",
                title(rng, &pools, doc_kind, body.date.year)
            ),
        };
        if titles.insert(the_title.clone()) {
            break;
        }
    }

    let mut label = LABEL_NON_PUBLIC.to_string();
    let (mut rel_nations, mut rel_communities) = (Vec::new(), Vec::new());
    let (mut public_since, mut public_source, mut public_line, mut rel_line) =
        (None, None, None, None);
    match (canary, restriction) {
        (Some((_, _, l, decoy)), _) => {
            label = l.to_string();
            decoy_section(rng, &mut body.sections, *decoy)?;
            body.kind = "Restricted annex".to_string();
        }
        (None, Restriction::Public) => {
            // Made public after it was written.
            let date = Date::random(rng, body.date.year.max(2019)..=2025).max(body.date);
            let source = match rng.gen_range(0..5) {
                0 => format!("Press release, {}", date.long()),
                1 => format!("Public annual report {}", date.year),
                2 => format!("Conference presentation, {}", date.long()),
                3 => format!("Official website article, {}", date.long()),
                _ => format!("Answer to a parliamentary question, {}", date.long()),
            };
            public_line = Some(format!("Made public on {} ({source})", date.long()));
            public_since = Some(date.iso());
            public_source = Some(source);
        }
        (None, Restriction::Nations) => {
            let mut others: Vec<String> = nations()
                .iter()
                .map(|n| n.code.to_string())
                .filter(|c| *c != account.nation)
                .collect();
            others.shuffle(rng);
            let extra = rng.gen_range(2..=7);
            let mut list: Vec<String> = others.into_iter().take(extra).collect();
            list.sort();
            list.insert(0, account.nation.clone());
            rel_line = Some(format!("REL TO {}", list.join(", ")));
            rel_nations = list;
        }
        (None, Restriction::Communities) => {
            let mut theirs: Vec<String> = org
                .memberships(&account.email)
                .into_iter()
                .filter(|k| *k != key)
                .collect();
            theirs.shuffle(rng);
            let extra = rng.gen_range(0..=theirs.len().min(2));
            rel_communities = std::iter::once(key.clone())
                .chain(theirs.into_iter().take(extra))
                .collect();
            rel_line = Some(format!(
                "Releasable only to members of {}",
                rel_communities.join(", ")
            ));
        }
        (None, Restriction::None) => {
            let roll = rng.gen_range(0..100);
            if roll < 4 {
                label = "NON-PUBLIC // PERSONAL DATA".to_string();
            } else if roll < 6 {
                label = "NON-PUBLIC // COMMERCIAL IN CONFIDENCE".to_string();
            }
        }
    }

    let marking = Marking {
        label: label.clone(),
        releasability: rel_line,
        public: public_line,
    };
    let location = format!("{} / {}", portal.name, community.name);
    let content = render(
        &Doc {
            title: &the_title,
            body: &body,
            marking: &marking,
            location: &location,
        },
        format,
    );
    let mut stem = format!(
        "{}-{}",
        body.reference.to_lowercase(),
        slugify(&the_title, 48)
    );
    if !filenames.insert(stem.clone()) {
        stem = format!("{stem}-{}", filenames.len());
        filenames.insert(stem.clone());
    }
    Some(Document {
        portal: portal.slug.clone(),
        community: community.slug.clone(),
        title: the_title,
        filename: format!("{stem}.{}", format.extension()),
        media_type: format.media_type().to_string(),
        content,
        label,
        releasable_nations: rel_nations,
        releasable_communities: rel_communities,
        public_since,
        public_source,
        canary: canary.is_some(),
        uploader: uploader.email.clone(),
    })
}

/// Prepend the decoy section that makes a canary look worth stealing. All
/// entries are invented; phone numbers use the fictional 555-01xx range.
fn decoy_section(rng: &mut DemoRng, sections: &mut Vec<Section>, decoy: Decoy) -> Option<()> {
    let all = nations();
    let mut entries = Vec::new();
    for _ in 0..rng.gen_range(25..45) {
        let nation = all.choose(rng)?;
        let name = format!("{} {}", pick(rng, &nation.first), pick(rng, &nation.last));
        let entry = match decoy {
            Decoy::Directory => format!(
                "{name} ({}) — mobile +1 555 01{:02}, desk extension {}",
                nation.code,
                rng.gen_range(0..100),
                rng.gen_range(2000..9000)
            ),
            Decoy::Vetting => format!(
                "{name} ({}) — clearance review {}, result: {}",
                nation.code,
                Date::random(rng, 2023..=2025).long(),
                pick(
                    rng,
                    &[
                        "granted",
                        "granted with conditions",
                        "pending interview",
                        "referred",
                        "withdrawn"
                    ]
                )
            ),
            Decoy::Sites => format!(
                "{} — {} (severity {}, reported by {name})",
                pick(rng, crate::pools::PLACES),
                pick(
                    rng,
                    &[
                        "perimeter camera blind spot",
                        "unpatched gateway",
                        "shared guard-room password",
                        "unlocked server cabinet",
                        "unmonitored fibre duct"
                    ]
                ),
                pick(rng, &["high", "critical", "medium"])
            ),
            Decoy::Prices => format!(
                "Lot {} — unit price {:.2} EUR, reserve {:.1} million EUR (negotiator: {name})",
                rng.gen_range(100..999),
                rng.gen_range(50.0..90_000.0f64),
                rng.gen_range(0.2..40.0f64)
            ),
            Decoy::Accounts => format!(
                "{name} ({}) — administrator of {} portal, recovery contact desk {}",
                nation.code,
                pick(
                    rng,
                    &[
                        "lessons",
                        "standards",
                        "logistics",
                        "e-learning",
                        "investment",
                        "cooperation"
                    ]
                ),
                rng.gen_range(2000..9000)
            ),
        };
        entries.push(entry);
    }
    sections.insert(
        0,
        Section {
            heading: "Complete listing".to_string(),
            blocks: vec![
                Block::Para(
                    "Handle with care: this listing is complete and unredacted. Do not forward."
                        .to_string(),
                ),
                Block::Bullets(entries),
            ],
        },
    );
    Some(())
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|f| f.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Lowercase `[a-z0-9-]` slug of `s`, at most `max` characters.
fn slugify(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in crate::pdf::winansi_text(s).chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= max {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}
