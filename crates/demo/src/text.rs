//! Turns a genre and a topic into a document body: title, metadata and
//! sections of paragraphs and lists. Sentences come from short templates whose
//! slots are filled from many small pools (plus numbers, places and dates),
//! so two documents of the same community share few runs of five words.

use rand::seq::SliceRandom;
use rand::Rng;

use crate::genre::{Genre, SectionKind};
use crate::pools::{
    CAUSES, CLOSINGS, CONNECTIVES, DEADLINES, EXERCISE_A, EXERCISE_B, FORMATIONS, GENERIC, MONTHS,
    MONTH_DAYS, MOVES, OBSERVERS, OPENERS, PERIODS, PLACES, QUALIFIERS, RECOMMEND, REPORTED, ROLES,
    SEVERITIES, STATUSES, VERBS,
};
use crate::rng::{chance, pick, DemoRng};
use crate::topics::TopicPools;

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Date {
    /// Year.
    pub year: u32,
    /// Month, 1–12.
    pub month: u32,
    /// Day, 1–28/31.
    pub day: u32,
}

impl Date {
    /// A random valid date in `years` (inclusive).
    pub fn random(rng: &mut DemoRng, years: std::ops::RangeInclusive<u32>) -> Date {
        let year = rng.gen_range(years);
        let month = rng.gen_range(1..=12u32);
        let days = MONTH_DAYS.get(month as usize - 1).copied().unwrap_or(28);
        Date {
            year,
            month,
            day: rng.gen_range(1..=days),
        }
    }

    /// `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `12 March 2024`.
    pub fn long(self) -> String {
        let month = MONTHS.get(self.month as usize - 1).copied().unwrap_or("");
        format!("{} {} {}", self.day, month, self.year)
    }
}

/// A document body, independent of file format.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    /// Document kind, e.g. "Lessons Learned Report".
    pub kind: String,
    /// Reference number, e.g. `LL-2024-0137`.
    pub reference: String,
    /// Date of issue.
    pub date: Date,
    /// Issuing office.
    pub originator: String,
    /// Draft, final, ...
    pub status: String,
    /// Sections in order.
    pub sections: Vec<Section>,
}

/// A titled section.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    /// Heading without numbering.
    pub heading: String,
    /// Content blocks.
    pub blocks: Vec<Block>,
}

/// A block of content.
#[derive(Debug, Clone)]
pub(crate) enum Block {
    /// A paragraph.
    Para(String),
    /// A bulleted list.
    Bullets(Vec<String>),
    /// A numbered list.
    Numbered(Vec<String>),
}

/// Fills template slots; one instance per sentence so a metric's name and
/// values stay consistent within it.
struct Filler<'a> {
    pools: &'a TopicPools,
    metric: Option<(&'static str, &'static str, f64, f64)>,
    range: Option<[f64; 3]>,
}

impl Filler<'_> {
    fn metric(&mut self, rng: &mut DemoRng) -> (&'static str, &'static str, f64, f64) {
        if let Some(m) = self.metric {
            return m;
        }
        let m = self
            .pools
            .metrics
            .choose(rng)
            .copied()
            .unwrap_or(("result", "%", 1.0, 99.0));
        self.metric = Some(m);
        m
    }

    fn value(&mut self, rng: &mut DemoRng) -> f64 {
        let (_, _, lo, hi) = self.metric(rng);
        rng.gen_range(lo..=hi.max(lo))
    }

    fn with_unit(&mut self, rng: &mut DemoRng, v: f64) -> String {
        let (_, unit, _, hi) = self.metric(rng);
        let number = if hi <= 20.0 {
            format!("{v:.1}")
        } else {
            format!("{}", v.round() as i64)
        };
        if unit == "%" {
            format!("{number}%")
        } else {
            format!("{number} {unit}")
        }
    }

    fn slot(&mut self, rng: &mut DemoRng, name: &str) -> String {
        let p = self.pools;
        match name {
            "opener" => pick(rng, OPENERS).to_string(),
            "actor" | "actor2" => pick(rng, &p.actors).to_string(),
            "thing" | "thing2" => pick(rng, &p.things).to_string(),
            "finding" => pick(rng, &p.findings).to_string(),
            "verb_past" | "verb_past2" => {
                let v = pick(rng, VERBS);
                v.split_once('|')
                    .map(|(_, past)| past)
                    .unwrap_or(v)
                    .to_string()
            }
            "rec" => pick(rng, RECOMMEND).to_string(),
            "qual" => pick(rng, QUALIFIERS).to_string(),
            "cause" => pick(rng, CAUSES).to_string(),
            "deadline" => pick(rng, DEADLINES).to_string(),
            "connective" => pick(rng, CONNECTIVES).to_string(),
            "observers" => pick(rng, OBSERVERS).to_string(),
            "reported" => pick(rng, REPORTED).to_string(),
            "move" => pick(rng, MOVES).to_string(),
            "periods" => pick(rng, PERIODS).to_string(),
            "place" | "place2" => pick(rng, PLACES).to_string(),
            "exercise" => exercise(rng),
            "formation" => formation(rng),
            "role" => pick(rng, ROLES).to_string(),
            "severity" => pick(rng, SEVERITIES).to_string(),
            "date" => Date::random(rng, 2019..=2025).long(),
            "month" => pick(rng, MONTHS).to_string(),
            "year" => rng.gen_range(2014..=2021u32).to_string(),
            "year2" => rng.gen_range(2022..=2027u32).to_string(),
            "n" => rng.gen_range(2..=19u32).to_string(),
            "m" => rng.gen_range(20..=60u32).to_string(),
            "hour" => format!("{:02}", rng.gen_range(0..24u32)),
            "pct" => rng.gen_range(5..=95u32).to_string(),
            "money" => format!("{:.1}", rng.gen_range(0.4..260.0f64)),
            "metric" => self.metric(rng).0.to_string(),
            "unit" => self.metric(rng).1.to_string(),
            "v1" | "v2" => {
                let v = self.value(rng);
                self.with_unit(rng, v)
            }
            "tol" => {
                let (_, _, lo, hi) = self.metric(rng);
                let t = (hi - lo).abs() * rng.gen_range(0.01..0.08);
                if t < 10.0 {
                    format!("{t:.2}")
                } else {
                    format!("{}", t.round() as i64)
                }
            }
            "lo" | "mid" | "hi" => {
                // One sorted triple per sentence so low <= median <= high.
                let v = match self.range {
                    Some(v) => v,
                    None => {
                        let mut v = [self.value(rng), self.value(rng), self.value(rng)];
                        v.sort_by(f64::total_cmp);
                        self.range = Some(v);
                        v
                    }
                };
                let i = match name {
                    "lo" => 0,
                    "mid" => 1,
                    _ => 2,
                };
                let x = v.get(i).copied().unwrap_or_default();
                self.with_unit(rng, x)
            }
            _ => String::new(),
        }
    }
}

/// An invented exercise name, e.g. "Silent Anvil 24".
pub(crate) fn exercise(rng: &mut DemoRng) -> String {
    format!(
        "{} {} {:02}",
        pick(rng, EXERCISE_A),
        pick(rng, EXERCISE_B),
        rng.gen_range(18..=25u32)
    )
}

/// An invented formation name, e.g. "14th Signal Battalion".
pub(crate) fn formation(rng: &mut DemoRng) -> String {
    let n: u32 = rng.gen_range(1..=48);
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix} {}", pick(rng, FORMATIONS))
}

/// Fill `template`'s `{slot}`s and capitalise the first letter.
pub(crate) fn fill(rng: &mut DemoRng, template: &str, pools: &TopicPools) -> String {
    let mut filler = Filler {
        pools,
        metric: None,
        range: None,
    };
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        out.push_str(&filler.slot(rng, &after[..end]));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    capitalise(&out)
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Templates for one paragraph: `count` distinct templates, about one in
/// seven peculiar to the genre.
fn templates(rng: &mut DemoRng, genre: Genre, count: usize) -> Vec<&'static str> {
    let mut genre_prose = genre.prose();
    genre_prose.shuffle(rng);
    let mut generic = GENERIC.to_vec();
    generic.shuffle(rng);
    let (mut g, mut p) = (generic.into_iter(), genre_prose.into_iter());
    (0..count)
        .filter_map(|_| {
            if chance(rng, 0.14) {
                p.next().or_else(|| g.next())
            } else {
                g.next()
            }
        })
        .collect()
}

/// One sentence on its own (introducing a list).
fn sentence(rng: &mut DemoRng, pools: &TopicPools, genre: Genre) -> String {
    let template = templates(rng, genre, 1)
        .into_iter()
        .next()
        .unwrap_or_default();
    fill(rng, template, pools)
}

fn paragraph(rng: &mut DemoRng, pools: &TopicPools, genre: Genre) -> String {
    let count = rng.gen_range(3..=7);
    let mut sentences: Vec<String> = templates(rng, genre, count)
        .into_iter()
        .map(|t| fill(rng, t, pools))
        .collect();
    if chance(rng, 0.08) {
        sentences.push(pick(rng, CLOSINGS).to_string());
    }
    sentences.join(" ")
}

fn words(block: &Block) -> usize {
    match block {
        Block::Para(p) => p.split_whitespace().count(),
        Block::Bullets(items) | Block::Numbered(items) => {
            items.iter().map(|i| i.split_whitespace().count()).sum()
        }
    }
}

/// Items of a list section.
fn list(rng: &mut DemoRng, kind: SectionKind, pools: &TopicPools, genre: Genre) -> Block {
    let count = rng.gen_range(3..=8);
    let items: Vec<String> = (1..=count)
        .map(|i| {
            let template = match kind {
                SectionKind::Findings => pick(
                    rng,
                    &[
                        "{finding}.",
                        "{finding}, {qual}.",
                        "{finding} because {cause}.",
                        "{actor} {verb_past} {thing} {qual}.",
                    ],
                ),
                SectionKind::Recommend => pick(
                    rng,
                    &[
                        "{actor} should {rec} {thing} {deadline}.",
                        "{rec} {thing} {deadline}.",
                        "Task {actor} to {rec} {thing}.",
                    ],
                ),
                SectionKind::Metrics => pick(
                    rng,
                    &[
                        "{metric}: {v1} (target {v2}).",
                        "{metric}: between {lo} and {hi}.",
                        "{metric} at {place}: {v1}.",
                    ],
                ),
                _ => "",
            };
            if kind == SectionKind::Items {
                let items = genre.items();
                let t = pick(rng, &items).replacen("{n}", &i.to_string(), 1);
                fill(rng, &t, pools)
            } else {
                fill(rng, template, pools)
            }
        })
        .collect();
    if kind == SectionKind::Items {
        Block::Numbered(items)
    } else {
        Block::Bullets(items)
    }
}

/// A title for a document about `pools`' topic; `kind` is the document kind
/// the body carries and `year` the year it was issued.
pub(crate) fn title(rng: &mut DemoRng, pools: &TopicPools, kind: &str, year: u32) -> String {
    let stem = pick(rng, &pools.titles);
    let place = pick(rng, PLACES);
    match rng.gen_range(0..5) {
        0 => format!("{stem} — {kind}, exercise {}", exercise(rng)),
        1 => format!("{kind}: {stem} ({place}, {year})"),
        2 => format!("{stem} at {place} — {kind}"),
        3 => format!("{kind} {year}: {stem}"),
        _ => format!("{stem}: {} {kind}", formation(rng)),
    }
}

/// A body of about `target_words` words.
pub(crate) fn body(
    rng: &mut DemoRng,
    genre: Genre,
    pools: &TopicPools,
    kind: &str,
    originator: &str,
    target_words: usize,
) -> Body {
    let date = Date::random(rng, 2019..=2025);
    let reference = format!(
        "{}-{}-{:04}",
        genre.prefix(),
        date.year,
        rng.gen_range(1..10_000)
    );
    let long = target_words > 1200;
    let slots: Vec<_> = genre
        .sections()
        .into_iter()
        .filter(|s| !s.optional || chance(rng, if long { 0.85 } else { 0.45 }))
        .collect();
    let prose_slots = slots
        .iter()
        .filter(|s| s.kind == SectionKind::Prose)
        .count()
        .max(1);
    let mut total = 0;
    let mut sections = Vec::new();
    for (i, slot) in slots.iter().enumerate() {
        let heading = pick(rng, &slot.headings).to_string();
        let mut blocks = Vec::new();
        if slot.kind == SectionKind::Prose {
            let remaining_prose = slots[i..]
                .iter()
                .filter(|s| s.kind == SectionKind::Prose)
                .count()
                .max(1);
            let share = target_words.saturating_sub(total) / remaining_prose;
            let share = share.max(target_words / prose_slots / 3).max(40);
            let mut written = 0;
            while written < share {
                let block = Block::Para(paragraph(rng, pools, genre));
                written += words(&block);
                blocks.push(block);
            }
            total += written;
        } else {
            if chance(rng, 0.5) {
                let block = Block::Para(sentence(rng, pools, genre));
                total += words(&block);
                blocks.push(block);
            }
            let block = list(rng, slot.kind, pools, genre);
            total += words(&block);
            blocks.push(block);
        }
        sections.push(Section { heading, blocks });
    }
    Body {
        kind: kind.to_string(),
        reference,
        date,
        originator: originator.to_string(),
        status: pick(rng, STATUSES).to_string(),
        sections,
    }
}
