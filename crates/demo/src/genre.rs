//! Document genres, one per portal: what a lessons-learned report, a draft
//! standard, a logistics plan, a course module, an investment summary or a
//! cooperation note looks like — its kinds, reference prefix, section plan and
//! the sentence templates peculiar to it. `text.rs` turns a genre plus a topic
//! into a concrete document body.

/// The kind of portal a document lives in, which fixes its structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Genre {
    /// Lessons-learned reports and observations.
    Lessons,
    /// Draft standards and test procedures.
    Standards,
    /// Logistics plans and orders.
    Logistics,
    /// E-learning course material.
    Elearning,
    /// Investment project summaries.
    Investment,
    /// Partner cooperation notes and briefings.
    Cooperation,
}

/// What a section contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SectionKind {
    /// Paragraphs of prose.
    Prose,
    /// A bulleted list of findings.
    Findings,
    /// A bulleted list of recommendations.
    Recommend,
    /// A numbered list of genre-specific items (steps, serials, questions, options).
    Items,
    /// A bulleted list of measurements.
    Metrics,
}

/// One slot of a section plan.
#[derive(Debug, Clone)]
pub(crate) struct SectionSlot {
    /// Content kind.
    pub kind: SectionKind,
    /// Alternative headings.
    pub headings: Vec<&'static str>,
    /// Whether the slot may be left out.
    pub optional: bool,
}

impl Genre {
    /// The genre named `key` (lessons if unknown).
    pub fn from_key(key: &str) -> Genre {
        match key {
            "standards" => Genre::Standards,
            "logistics" => Genre::Logistics,
            "elearning" => Genre::Elearning,
            "investment" => Genre::Investment,
            "cooperation" => Genre::Cooperation,
            _ => Genre::Lessons,
        }
    }

    fn table(self) -> &'static str {
        match self {
            Genre::Lessons => LESSONS,
            Genre::Standards => STANDARDS,
            Genre::Logistics => LOGISTICS,
            Genre::Elearning => ELEARNING,
            Genre::Investment => INVESTMENT,
            Genre::Cooperation => COOPERATION,
        }
    }

    fn field(self, name: &str) -> Vec<&'static str> {
        self.table()
            .lines()
            .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
            .map(|items| {
                items
                    .split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Reference prefix, e.g. `LL`.
    pub fn prefix(self) -> &'static str {
        self.field("prefix").first().copied().unwrap_or("DOC")
    }

    /// Document kinds, e.g. "Lessons Learned Report".
    pub fn kinds(self) -> Vec<&'static str> {
        self.field("kinds")
    }

    /// Templates of the numbered items of an [`SectionKind::Items`] section.
    pub fn items(self) -> Vec<&'static str> {
        self.field("items")
    }

    /// Extra prose templates peculiar to the genre.
    pub fn prose(self) -> Vec<&'static str> {
        self.field("prose")
    }

    /// The section plan, in order.
    pub fn sections(self) -> Vec<SectionSlot> {
        self.table()
            .lines()
            .filter_map(|l| l.strip_prefix("section:"))
            .filter_map(|l| {
                let (kind, headings) = l.split_once('|')?;
                let optional = kind.ends_with('?');
                let kind = match kind.trim_end_matches('?') {
                    "findings" => SectionKind::Findings,
                    "recommend" => SectionKind::Recommend,
                    "items" => SectionKind::Items,
                    "metrics" => SectionKind::Metrics,
                    _ => SectionKind::Prose,
                };
                Some(SectionSlot {
                    kind,
                    headings: headings.split(';').map(str::trim).collect(),
                    optional,
                })
            })
            .collect()
    }
}

const LESSONS: &str = "\
prefix:LL
kinds:Lessons Learned Report;Observation Record;After-Action Review;Lessons Summary;Post-Exercise Report
section:prose|Summary;Executive summary;Overview;Synopsis
section:prose?|Background;Context;Situation before the event
section:findings|Observations;Key observations;What happened;Main findings
section:prose|Discussion;Analysis;Root causes;Why it happened
section:metrics?|Measured results;Data collected;Performance figures
section:recommend|Recommendations;Lessons identified;Proposed remedial actions;Actions required
section:prose?|Follow-up;Next steps;Way ahead;Status of earlier lessons
items:Observation {n}: {finding}.;Lesson {n}: {actor} should {rec} {thing} {deadline}.;Issue {n}: {thing} {verb_past} {qual}.
prose:Observation {n} from exercise {exercise} was raised again: {finding}.;The lesson was first identified in {year} but remains open because {cause}.;The observer team at {place} rated the issue as {severity}.;This observation was validated by {n} of {m} {observers}.";

const STANDARDS: &str = "\
prefix:STD
kinds:Draft Standard;Test Procedure;Standardization Proposal;Study Draft;Implementation Guide
section:prose|Scope;Purpose and scope;Aim
section:prose?|Normative references;Related documents;References
section:prose?|Terms and definitions;Definitions;Abbreviations and terms
section:items|Test procedure;Requirements;Procedure;Method of test
section:metrics|Acceptance criteria;Limits and tolerances;Pass and fail criteria
section:recommend?|Implementation;Implementation notes;Ratification and implementation
section:prose?|Annex A — Record sheet;Annex B — Rationale;Annex A — Comments resolved
items:Step {n}: Verify that the {metric} of {thing} does not exceed {v1} {unit}.;Step {n}: Record the {metric} at {n} points, {qual}.;Requirement {n}: {thing} shall be tested at a {metric} of {v1} {unit} ± {tol} {unit}.;Step {n}: Inspect {thing} and note any deviation on the record sheet.;Requirement {n}: the {role} shall {rec} {thing} before each test series.;Step {n}: Repeat the measurement after {m} minutes and compare the {metric} with the first reading.
prose:The {thing} shall comply with clause {n}.{m} of this draft.;Where {thing} cannot be verified, the {role} shall record the reason and notify {actor}.;Each record shall state the {metric}, the date and the name of the {role}.;This draft supersedes edition {n} of {year}, which did not address {thing}.;Nations are invited to state their reservations by {date}.;The test house at {place} has agreed to validate the procedure on {n} samples.";

const LOGISTICS: &str = "\
prefix:LOG
kinds:Logistics Plan;Concept of Support;Movement Order;Sustainment Estimate;Logistics Instruction
section:prose|Situation;General situation;Background
section:prose?|Mission;Aim;Intent
section:prose|Concept of support;Execution;Concept of operations
section:items|Movement schedule;Serials;Timeline;Sequence of events
section:metrics?|Planning figures;Consumption estimates;Capacity figures
section:recommend?|Coordinating instructions;Tasks;Responsibilities
section:prose?|Command and signal;Points of contact;Reporting
items:Serial {n}: {thing} from {place} to {place2}, departing {date} at {hour}:00, {m} vehicles.;Serial {n}: {actor} to receive {thing} at {place} no later than {date}.;Serial {n}: transfer of {thing} via {place} on {date}, escorted by the {formation}.;Phase {n}: {actor} {verb_past} {thing} at {place} by {date}.
prose:Daily demand is planned at {v1} {unit} for the {metric}, with a reserve of {n} days.;The {formation} will provide escorts from {place} to {place2}.;Host-nation support at {place} covers accommodation for {n} personnel.;Any change to the schedule must be notified {m} hours in advance.;Stocks held at {place} are sufficient for {n} days at current consumption.";

const ELEARNING: &str = "\
prefix:EL
kinds:Course Module;Lesson Plan;Instructor Guide;Self-Study Unit;Course Syllabus
section:prose|Learning objectives;Aim of the module;What you will learn
section:prose|Module overview;Introduction;Getting started
section:prose|Lesson 1 — Key concepts;Part 1 — The basics;Unit 1 — Foundations
section:prose?|Lesson 2 — Applying the procedure;Part 2 — In practice;Unit 2 — Case study
section:items|Self-check questions;Knowledge check;Quiz;Review questions
section:prose?|Summary;Key takeaways;Wrap-up
section:recommend?|Further reading;Instructor notes;Follow-on activities
items:Question {n}: Which of the following best describes {thing}?;Question {n}: Why did {actor} {rec} {thing} during exercise {exercise}?;Question {n}: What is the usual {metric} for {thing}? (Answer: about {v1} {unit}.);Question {n}: Name two reasons why {finding}.;Exercise {n}: In pairs, discuss how {actor} could {rec} {thing} {qual}.
prose:By the end of this module, learners will be able to {rec} {thing}.;Estimated study time for this part is {n} minutes.;The case study is set at {place} during exercise {exercise}.;Learners who scored below {pct}% should repeat lesson {m}.;Instructors should pause here and ask the group about {thing}.;Remember that {finding}.";

const INVESTMENT: &str = "\
prefix:INV
kinds:Project Summary;Business Case;Capability Package Review;Investment Proposal;Cost Estimate Note
section:prose|Project summary;Executive summary;Purpose
section:prose|Requirement;Capability shortfall;Need
section:items|Options analysis;Options considered;Alternatives
section:metrics|Cost estimate;Financial summary;Key figures
section:prose?|Risks;Risk assessment;Risks and mitigations
section:recommend|Decision requested;Recommendation;Proposed way forward
items:Option {n}: {rec} {thing} at {place}, at an estimated {money} million EUR, ready in {year}.;Option {n}: do nothing — {finding}.;Option {n}: share {thing} with {place2} for an estimated {money} million EUR over {m} years.;Option {n}: lease {thing} from the host nation for {m} years at {money} million EUR a year.
prose:The estimated cost is {money} million EUR, of which {pct}% would be common-funded.;The project was first proposed in {year} and has slipped {n} months since.;The host nation at {place} has offered land and utilities free of charge.;Without investment, {finding}.;The independent cost estimate differs by {pct}% from the sponsor's figure.;Contract award is planned for {date}, subject to approval by {actor}.";

const COOPERATION: &str = "\
prefix:COOP
kinds:Cooperation Note;Threat Briefing;Liaison Report;Partnership Summary;Meeting Record
section:prose|Purpose;Aim;Reason for this note
section:prose|Background;Context;Previous cooperation
section:findings|Assessment;Key judgements;Main points
section:prose?|Partner perspectives;Views of the partners;Discussion
section:metrics?|Indicators;Reported figures;Data shared by partners
section:recommend|Way ahead;Proposed cooperation activities;Next steps
items:Point {n}: {finding}.;Point {n}: the partner delegation asked to {rec} {thing}.;Judgement {n}: the question of {thing} is likely to remain open until {year2}.
prose:The partner delegation from {place} proposed to {rec} {thing} {qual}.;The meeting at {place} on {date} was attended by {n} delegations.;Partners noted that {finding}.;A follow-up meeting is planned for {date} at {place2}.;The partner's representative stressed that the responsibility for {thing} stays with each nation.;Cooperation on {thing} started in {year} and has since widened to {thing2}.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_genre_is_complete() {
        for key in [
            "lessons",
            "standards",
            "logistics",
            "elearning",
            "investment",
            "cooperation",
        ] {
            let g = Genre::from_key(key);
            assert!(g.kinds().len() >= 4, "{key}");
            assert!(g.items().len() >= 3, "{key}");
            assert!(g.prose().len() >= 4, "{key}");
            assert!(g.sections().len() >= 5, "{key}");
            assert_ne!(g.prefix(), "DOC");
        }
    }
}
