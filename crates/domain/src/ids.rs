//! Identifiers. Documents and downloads get random 128-bit ids so that an id
//! reveals nothing (no count, no order) and cannot be guessed or walked;
//! rows that never leave the server keep cheap integer keys.

use rand::RngCore;
use std::{fmt, str::FromStr};

/// Fills an array with bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut out);
    out
}

macro_rules! random_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 16]);

        impl $name {
            /// A fresh random id.
            pub fn random() -> Self {
                Self(random_bytes())
            }

            /// The 16 bytes of the id (what watermarks derive from).
            pub fn bytes(&self) -> [u8; 16] {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self)
            }
        }

        impl FromStr for $name {
            type Err = crate::Error;
            /// Accepts exactly 32 lowercase hex digits, the form we print.
            fn from_str(s: &str) -> crate::Result<Self> {
                let malformed = || crate::Error::invalid($field, "not a valid id");
                if s.len() != 32 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                    return Err(malformed());
                }
                let mut out = [0u8; 16];
                hex::decode_to_slice(s, &mut out).map_err(|_| malformed())?;
                Ok(Self(out))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    };
}

random_id!(
    /// A document's id: random, never sequential.
    DocumentId,
    "document"
);
random_id!(
    /// One download of one document version by one principal; the key the
    /// forensic watermark carries back to its recipient.
    DownloadId,
    "download"
);

macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        pub struct $name(pub i64);
    };
}

row_id!(
    /// An account's internal key; accounts are named by email outside.
    AccountId
);
row_id!(
    /// A portal's internal key; portals are named by slug outside.
    PortalId
);
row_id!(
    /// A community's internal key; named `portal/community` outside.
    CommunityId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_id_round_trips_and_rejects_malformed() {
        let id = DocumentId::random();
        let text = id.to_string();
        assert_eq!(text.len(), 32);
        assert_eq!(text.parse::<DocumentId>(), Ok(id));
        for bad in [
            "",
            "abc",
            &text.to_uppercase(),
            &format!("{text}0"),
            "../../etc/passwd",
        ] {
            if bad != text {
                assert!(bad.parse::<DocumentId>().is_err(), "{bad}");
            }
        }
        assert_ne!(DocumentId::random(), DocumentId::random());
    }
}
