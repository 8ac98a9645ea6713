//! Names people type: slugs, emails, nations, titles. Each is checked once,
//! when parsed, against a bound on length and on the characters it may hold,
//! so that no control character, path separator or oversized value reaches
//! storage, logs or headers.

use serde::Serialize;
use std::{fmt, str::FromStr};

/// Whether `c` must not appear in a name people read: a control character
/// (Unicode category Cc), a line or paragraph separator, or a format
/// character (category Cf: bidi embeddings, overrides and isolates, the
/// zero-width space, the byte-order mark, word joiners, tags…; not the
/// zero-width joiners some scripts need). Format
/// characters are invisible yet change what is shown: `invoice\u{202e}txt.exe`
/// reads as "invoiceexe.txt". Titles, names and emails refuse these; upload
/// file names drop them. One predicate, so every name draws the same line.
pub fn is_control_or_format(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}'
            // Category Cf as of Unicode 15.1, listed because std has no
            // general-category lookup and the list changes rarely.
            | '\u{00ad}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061c}'
            | '\u{06dd}'
            | '\u{070f}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08e2}'
            | '\u{180e}'
            // U+200C and U+200D (zero-width non-joiner and joiner) are
            // left out: Persian, Indic scripts and emoji need them to
            // spell words right, and they reorder nothing.
            | '\u{200b}'
            | '\u{200e}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}'
        )
}

fn has_control(s: &str) -> bool {
    s.chars().any(is_control_or_format)
}

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_newtype!(
    /// A URL-safe short name for a portal or community: `[a-z0-9-]`, 2–40
    /// characters, starting with a letter or digit.
    Slug
);

impl FromStr for Slug {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        let ok_chars = s
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'));
        if !(2..=40).contains(&s.len()) || !ok_chars || s.starts_with('-') || s.ends_with('-') {
            return Err(crate::Error::invalid(
                "slug",
                "use 2-40 characters a-z, 0-9 and '-' (not at either end)",
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

string_newtype!(
    /// An email address, lower-cased; the account's name everywhere.
    Email
);

impl FromStr for Email {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        let s = s.trim().to_lowercase();
        let bad = || crate::Error::invalid("email", "not a valid email address");
        if s.is_empty() || s.len() > 254 || has_control(&s) || s.chars().any(char::is_whitespace) {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if local.is_empty() || domain.is_empty() || domain.contains('@') || !domain.contains('.') {
            return Err(bad());
        }
        if s.contains(['<', '>', '"', '\'', '\\', '/', ',', ';']) {
            return Err(bad());
        }
        Ok(Self(s))
    }
}

string_newtype!(
    /// An ISO 3166-1 alpha-3 nation code, upper-case (e.g. `NOR`).
    Nation
);

impl FromStr for Nation {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        let upper = s.trim().to_ascii_uppercase();
        if crate::nation_codes::NATION_CODES
            .binary_search(&upper.as_str())
            .is_ok()
        {
            Ok(Self(upper))
        } else {
            Err(crate::Error::invalid(
                "nation",
                format!("unknown ISO 3166-1 alpha-3 code {:?}", truncate(s, 8)),
            ))
        }
    }
}

string_newtype!(
    /// A document or portal title: 1–200 characters, no control or invisible
    /// format characters ([`is_control_or_format`]) and no path separators
    /// (titles end up in file names on download).
    Title
);

impl FromStr for Title {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        let t = s.trim();
        if t.is_empty() || t.chars().count() > 200 {
            return Err(crate::Error::invalid("title", "must be 1-200 characters"));
        }
        if has_control(t) || t.contains(['/', '\\']) || t == "." || t == ".." {
            return Err(crate::Error::invalid(
                "title",
                "must not contain control or invisible formatting characters or path separators",
            ));
        }
        Ok(Self(t.to_owned()))
    }
}

string_newtype!(
    /// A person's or a thing's display name: 1–120 characters, no control
    /// or invisible format characters.
    DisplayName
);

impl FromStr for DisplayName {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        let t = s.trim();
        if t.is_empty() || t.chars().count() > 120 || has_control(t) {
            return Err(crate::Error::invalid(
                "name",
                "must be 1-120 characters without control or invisible formatting characters",
            ));
        }
        Ok(Self(t.to_owned()))
    }
}

/// `portal/community`, the outside name of a community.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CommunityPath {
    /// The portal's slug.
    pub portal: Slug,
    /// The community's slug within the portal.
    pub community: Slug,
}

impl FromStr for CommunityPath {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        let (portal, community) = s
            .trim()
            .split_once('/')
            .ok_or_else(|| crate::Error::invalid("community", "expected PORTAL/COMMUNITY"))?;
        Ok(Self {
            portal: portal.parse()?,
            community: community.parse()?,
        })
    }
}

impl fmt::Display for CommunityPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.portal, self.community)
    }
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!("lessons-learned".parse::<Slug>().is_ok());
        for bad in [
            "",
            "a",
            "-x",
            "x-",
            "Upper",
            "a/b",
            "a b",
            "x'; DROP TABLE x;--",
            &"a".repeat(41),
        ] {
            assert!(bad.parse::<Slug>().is_err(), "{bad}");
        }
    }

    #[test]
    fn nations() {
        assert_eq!(
            "nor".parse::<Nation>().map(|n| n.to_string()),
            Ok("NOR".into())
        );
        assert!("XXX".parse::<Nation>().is_err());
        assert!("NO".parse::<Nation>().is_err());
    }

    #[test]
    fn titles_refuse_paths_and_controls() {
        assert!("Lessons learned 2024".parse::<Title>().is_ok());
        for bad in [
            "",
            "  ",
            "../etc/passwd",
            "a\\b",
            "line\nbreak",
            "nul\0",
            "\u{202e}evil",
            "..",
        ] {
            assert!(bad.parse::<Title>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn titles_refuse_every_invisible_format_character() {
        for c in [
            '\u{200b}',
            '\u{200e}',
            '\u{200f}',
            '\u{202a}',
            '\u{2066}',
            '\u{2069}',
            '\u{feff}',
            '\u{061c}',
            '\u{2060}',
            '\u{2064}',
            '\u{00ad}',
            '\u{e0041}',
        ] {
            assert!(is_control_or_format(c), "{c:?}");
            assert!(format!("in{c}voice").parse::<Title>().is_err(), "{c:?}");
        }
        for fine in [
            'a', 'é', 'ß', ' ', '-', 'ع', '中', '\u{2070}', '\u{fffc}', '\u{200c}', '\u{200d}',
        ] {
            assert!(!is_control_or_format(fine), "{fine:?}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            " Ann.Smith@Example.ORG "
                .parse::<Email>()
                .map(|e| e.to_string()),
            Ok("ann.smith@example.org".into())
        );
        for bad in [
            "",
            "no-at",
            "a@b",
            "a@@b.c",
            "a b@c.d",
            "a@b\n.c",
            &format!("{}@x.org", "a".repeat(260)),
        ] {
            assert!(bad.parse::<Email>().is_err(), "{bad:?}");
        }
    }
}
