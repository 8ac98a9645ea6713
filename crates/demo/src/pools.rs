//! Topic-independent word and phrase pools: openers, verbs, qualifiers,
//! causes, invented place and exercise names. They are combined with the
//! topic vocabulary by `text.rs`; many short interchangeable pieces keep
//! generated documents from sharing long runs of words.

/// Sentence openers (capitalised, no trailing comma).
pub(crate) const OPENERS: &[&str] = &[
    "In most cases",
    "During the first week",
    "According to the after-action review",
    "As expected",
    "Contrary to the planning assumptions",
    "By the end of the exercise",
    "Throughout the reporting period",
    "In two of the three serials",
    "Despite repeated rehearsals",
    "Once the weather improved",
    "From the second day onwards",
    "Under the revised procedure",
    "At the working level",
    "In the view of the observers",
    "For reasons that remain unclear",
    "Early in the planning phase",
    "After the mid-term review",
    "In the northern sector",
    "Since the last edition",
    "When the pressure increased",
    "In practice",
    "On paper",
    "Toward the end of the rotation",
    "In the second iteration",
    "Perhaps unsurprisingly",
    "In the absence of guidance",
    "With hindsight",
    "Against this background",
];

/// Verbs as `bare|past` pairs.
pub(crate) const VERBS: &[&str] = &[
    "review|reviewed",
    "rely on|relied on",
    "struggle to integrate|struggled to integrate",
    "underestimate|underestimated",
    "adapt|adapted",
    "improvise around|improvised around",
    "deploy|deployed",
    "document|documented",
    "request more|requested more",
    "re-examine|re-examined",
    "lose track of|lost track of",
    "prioritise|prioritised",
    "coordinate access to|coordinated access to",
    "share data on|shared data on",
    "train on|trained on",
    "evaluate|evaluated",
    "rehearse with|rehearsed with",
    "depend on|depended on",
    "overload|overloaded",
    "test|tested",
    "validate|validated",
    "reorganise|reorganised",
    "duplicate|duplicated",
    "neglect|neglected",
    "streamline|streamlined",
    "pool|pooled",
    "certify|certified",
    "inspect|inspected",
    "relocate|relocated",
    "refit|refitted",
    "measure|measured",
    "monitor|monitored",
];

/// Adverbial qualifiers that end a clause.
pub(crate) const QUALIFIERS: &[&str] = &[
    "under poor visibility",
    "without a common procedure",
    "at short notice",
    "with mixed results",
    "despite limited staff",
    "for the first time",
    "in close coordination with partners",
    "during the night shift",
    "after the second rotation",
    "within the agreed timelines",
    "only after escalation",
    "using borrowed equipment",
    "in line with the draft standard",
    "while under simulated attack",
    "ahead of schedule",
    "well behind schedule",
    "with no written orders",
    "on a trial basis",
    "in heavy rain",
    "across three time zones",
    "with only two trained operators",
    "over a single weekend",
    "against strong objections",
    "in freezing conditions",
    "at roughly half strength",
    "from a temporary site",
    "with host-nation support",
    "after a false start",
    "in an improvised way",
    "by trial and error",
];

/// Reasons, as clauses following "because".
pub(crate) const CAUSES: &[&str] = &[
    "the relevant guidance had not been translated",
    "staff rotated every four months",
    "no single owner had been appointed",
    "the budget line closed early",
    "the equipment arrived late",
    "the procedures had never been rehearsed jointly",
    "national caveats restricted the task",
    "the data sat on separate networks",
    "the contract did not cover maintenance",
    "the training audience changed at the last minute",
    "the software versions differed",
    "nobody had read the previous report",
    "the host nation applied its own rules",
    "the request went through four headquarters",
    "the spare parts were held in another country",
    "the forms were only available on paper",
    "the instructions were ambiguous",
    "the timelines were set politically",
    "the test range was shared with civilian users",
    "the key personnel were on leave",
];

/// Recommendation verbs (bare form) as used after "should".
pub(crate) const RECOMMEND: &[&str] = &[
    "review",
    "standardise",
    "fund",
    "rehearse",
    "document",
    "appoint an owner for",
    "share data on",
    "test",
    "procure more",
    "brief commanders on",
    "simplify",
    "automate",
    "retire",
    "harmonise reporting on",
    "set clear thresholds for",
    "publish guidance on",
    "pilot",
    "stockpile",
    "certify",
    "rewrite the procedures for",
];

/// Deadlines that end a recommendation.
pub(crate) const DEADLINES: &[&str] = &[
    "before the next rotation",
    "within six months",
    "ahead of the autumn exercise",
    "as part of the next review cycle",
    "before contract award",
    "in the next edition of the standard",
    "within the current budget year",
    "before the capability is declared operational",
    "at the next working group meeting",
    "no later than the end of the quarter",
    "as a matter of priority",
    "when resources allow",
];

/// Who reports.
pub(crate) const OBSERVERS: &[&str] = &[
    "participants",
    "observers",
    "units",
    "contingents",
    "respondents",
    "evaluators",
    "sites",
    "teams",
    "instructors",
    "operators",
];

/// Verbs of reporting, followed by "that".
pub(crate) const REPORTED: &[&str] = &[
    "reported",
    "confirmed",
    "noted",
    "complained",
    "agreed",
    "warned",
    "argued",
    "suspected",
];

/// Movements of a metric.
pub(crate) const MOVES: &[&str] = &[
    "changed",
    "moved",
    "shifted",
    "went",
    "fell or rose",
    "varied",
];

/// Invented place names.
pub(crate) const PLACES: &[&str] = &[
    "Brenmoor",
    "Castel Viro",
    "Dunmarsh Training Area",
    "Eskerfjord",
    "Fallowmere Airfield",
    "Grauwald Range",
    "Hollin Bay",
    "Istrava Crossing",
    "Jarnvik",
    "Kellsport",
    "Lindaro Pass",
    "Morvane",
    "Northgate Depot",
    "Orlen Valley",
    "Pallaby Harbour",
    "Quinteira",
    "Rostavo",
    "Saltholm Point",
    "Tervala",
    "Ulmbridge",
    "Valmoss",
    "Westerhaven",
    "Yarrowfield",
    "Zellbrück",
    "Ardenne Ridge Camp",
    "Bellacourt",
    "Corvo Sound",
    "Drammel Junction",
    "Ettersby",
    "Fjellnes",
    "Gravensted",
    "Hauteval",
];

/// First words of invented exercise names.
pub(crate) const EXERCISE_A: &[&str] = &[
    "Northern",
    "Silent",
    "Iron",
    "Amber",
    "Steadfast",
    "Bold",
    "Crimson",
    "Arctic",
    "Coastal",
    "Swift",
    "Granite",
    "Cobalt",
    "Distant",
    "Winter",
];

/// Second words of invented exercise names.
pub(crate) const EXERCISE_B: &[&str] = &[
    "Anvil", "Harbour", "Shield", "Falcon", "Lantern", "Meridian", "Compass", "Bastion", "Tide",
    "Sentinel", "Horizon", "Relay", "Quarry", "Beacon",
];

/// Kinds of formations, for names like "14th Signal Battalion".
pub(crate) const FORMATIONS: &[&str] = &[
    "Signal Battalion",
    "Logistics Regiment",
    "Engineer Company",
    "Transport Squadron",
    "Medical Battalion",
    "Air Defence Battery",
    "CBRN Company",
    "Maintenance Group",
    "Military Police Company",
    "Support Brigade",
];

/// Month names.
pub(crate) const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Days in each month (February without leap days, which keeps dates valid).
pub(crate) const MONTH_DAYS: &[u32] = &[31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Words for a document's state.
pub(crate) const STATUSES: &[&str] = &[
    "Draft",
    "Final",
    "Approved",
    "For comment",
    "Working copy",
    "Released to working group",
];

/// Connectives that join two clauses.
pub(crate) const CONNECTIVES: &[&str] = &[
    "while",
    "whereas",
    "although",
    "and at the same time",
    "but",
    "even though",
    "and later",
];

/// Closing remarks of a section or document.
pub(crate) const CLOSINGS: &[&str] = &[
    "Comments on this paragraph are welcome through the community forum.",
    "The point of contact will update this section after the next meeting.",
    "Figures in this section are provisional and will be revised.",
    "Further detail is held by the originating office.",
    "No decision is required on this section at this stage.",
    "This assessment will be reviewed once more data is available.",
];

/// Topic-independent sentence templates.
pub(crate) const GENERIC: &[&str] = &[
    "{opener}, {actor} {verb_past} {thing} {qual}.",
    "{actor} {verb_past} {thing} {qual}, {connective} {actor2} {verb_past2} {thing2}.",
    "During exercise {exercise} at {place}, {finding}.",
    "The {metric} {move} from {v1} to {v2} over {n} {periods}.",
    "{n} of {m} {observers} {reported} that {finding}.",
    "{finding} because {cause}.",
    "On {date}, {actor} at {place} {verb_past} {thing} {qual}.",
    "Where {thing} could be used, the {metric} averaged {v1} against a target of {v2}.",
    "It is recommended that {actor} {rec} {thing} {deadline}.",
    "{opener}, {finding}.",
    "The {formation} from {place} {verb_past} {thing} {qual}.",
    "Measured values of the {metric} ranged between {lo} and {hi}, with a median of {mid}.",
    "Comparable problems were seen at {place} in {year}, where {finding}.",
    "{actor} has since {verb_past} {thing}, although {finding}.",
    "Opinions differed on whether {thing} or {thing2} should take priority {qual}.",
    "Without {thing}, the {metric} would probably have exceeded {v1}.",
    "A review of {n} incidents between {year} and {year2} showed that {finding}.",
    "The {role} at {place} {reported} that {finding}.",
    "In {month} {year}, {actor} {verb_past} {thing} {qual}.",
    "{opener}, the {metric} stayed close to {v1} even when {actor} {verb_past} {thing}.",
    "{actor} and {actor2} {verb_past} {thing} together {qual}.",
    "The cost of {thing} was raised by {n} {observers} at {place}.",
];

/// Job titles.
pub(crate) const ROLES: &[&str] = &[
    "range safety officer",
    "test director",
    "quality manager",
    "duty officer",
    "project officer",
    "chief instructor",
    "liaison officer",
    "inspector",
    "senior observer",
    "technical adviser",
];
/// Severity ratings.
pub(crate) const SEVERITIES: &[&str] = &["minor", "moderate", "significant", "major", "critical"];
/// Units of time or repetition.
pub(crate) const PERIODS: &[&str] = &[
    "serials",
    "weeks",
    "days",
    "test runs",
    "rotations",
    "months",
];
