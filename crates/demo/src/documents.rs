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
use crate::text::{body, formation, title, Date};
use crate::{Document, Format, Role, CANARY_COUNT, LABEL_NON_PUBLIC};

/// Lowest and highest number of documents in a world.
const TOTAL: std::ops::RangeInclusive<usize> = 480..=520;

/// The portals canaries are placed in, one each, in a random community of
/// the portal. A canary is generated like every other document of its
/// community (title, kind, length, format, label, uploader): a decoy that
/// stands out is one a careful scraper skips.
const CANARY_PORTALS: &[&str] = &[
    "cooperation",
    "elearning",
    "logistics",
    "investment",
    "standards",
];

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
    let mut canaries: Vec<usize> = Vec::new(); // document indices
    for slug in CANARY_PORTALS.iter().take(CANARY_COUNT) {
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
            canaries.push(doc);
        }
    }

    // Restrictions and labels on the other documents.
    let mut others: Vec<usize> = (0..total).filter(|i| !canaries.contains(i)).collect();
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
        let canary = canaries.contains(&i);
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
    canary: bool,
    restriction: Restriction,
    titles: &mut BTreeSet<String>,
    filenames: &mut BTreeSet<String>,
) -> Option<Document> {
    let portal = org.portals.get(place.portal)?;
    let community = org.community(place)?;
    let key = org.key(place);
    let pools = place.topic.pools();

    // Uploader: contributors upload most, managers some.
    let uploaders: Vec<_> = community
        .members
        .iter()
        .filter(|m| m.role.can_upload())
        .collect();
    let weights: Vec<u32> = uploaders
        .iter()
        .map(|m| match m.role {
            Role::Manager => 1,
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
    let body = body(rng, place.genre, &pools, doc_kind, &originator, target);

    let mut the_title = String::new();
    for attempt in 0..40 {
        the_title = match attempt {
            0..30 => title(rng, &pools, doc_kind, body.date.year),
            _ => format!(
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
    match restriction {
        Restriction::Public => {
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
        Restriction::Nations => {
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
        Restriction::Communities => {
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
        Restriction::None => {
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
        canary,
        uploader: uploader.email.clone(),
    })
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
