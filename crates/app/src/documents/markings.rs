//! `[markings]`: the labels documents may carry. With a list configured,
//! a label outside it is refused everywhere documents come in (the upload
//! form offers only the list; the API, `rampart import` and canaries are
//! checked the same way), so that a typo never makes a new marking. With
//! no list, any well-formed label is accepted, as before the list existed.

use crate::Error;
use rampart_domain::DEFAULT_LABEL;
use serde::{Deserialize, Serialize};

/// `[markings]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarkingsConfig {
    /// The labels allowed, in the order the upload form offers them (the
    /// first is the default when none is given, unless `NON-PUBLIC` is in
    /// the list). Empty: any label.
    pub labels: Vec<String>,
}

impl MarkingsConfig {
    /// Checks the list: well-formed labels (as a document's label must
    /// be), upper case, no duplicates, at most 64.
    pub fn validate(&self) -> Result<(), String> {
        if self.labels.len() > 64 {
            return Err("[markings] labels: at most 64".into());
        }
        for (i, label) in self.labels.iter().enumerate() {
            let parsed = rampart_domain::NewMarking::parse(Some(label), None, None, None, None)
                .map_err(|e| format!("[markings] labels: {label:?}: {e}"))?;
            if parsed.label != *label {
                return Err(format!(
                    "[markings] labels: write {label:?} as {:?} (labels are upper case)",
                    parsed.label
                ));
            }
            if self.labels[..i].contains(label) {
                return Err(format!("[markings] labels: {label:?} twice"));
            }
        }
        Ok(())
    }

    /// The label a document gets when none is given.
    pub fn default_label(&self) -> &str {
        match self.labels.first() {
            Some(first) if !self.labels.iter().any(|l| l == DEFAULT_LABEL) => first,
            _ => DEFAULT_LABEL,
        }
    }

    /// The label to store: `typed` if allowed, the default when none was
    /// given; a label outside the configured list is refused.
    pub fn allowed(&self, typed: Option<&str>, parsed: String) -> Result<String, Error> {
        let given = typed.is_some_and(|t| !t.trim().is_empty());
        if !given {
            return Ok(self.default_label().to_owned());
        }
        if self.labels.is_empty() || self.labels.contains(&parsed) {
            return Ok(parsed);
        }
        Err(Error::Invalid(format!(
            "label: {parsed:?} is not one of this install's labels ({})",
            self.labels.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(labels: &[&str]) -> MarkingsConfig {
        MarkingsConfig {
            labels: labels.iter().map(|l| l.to_string()).collect(),
        }
    }

    #[test]
    fn a_configured_list_is_enforced_and_an_empty_one_is_not() {
        let open = config(&[]);
        assert!(open.validate().is_ok());
        assert_eq!(open.allowed(Some("x"), "X".into()).ok(), Some("X".into()));
        assert_eq!(
            open.allowed(None, String::new()).ok(),
            Some(DEFAULT_LABEL.into())
        );

        let list = config(&["NATO RESTRICTED", "NON-PUBLIC"]);
        assert!(list.validate().is_ok());
        assert_eq!(list.default_label(), "NON-PUBLIC");
        assert!(list
            .allowed(Some("nato restricted"), "NATO RESTRICTED".into())
            .is_ok());
        assert!(matches!(
            list.allowed(Some("NATO RESTRICTD"), "NATO RESTRICTD".into()),
            Err(Error::Invalid(_))
        ));
        assert_eq!(config(&["PARTNERS"]).default_label(), "PARTNERS");

        assert!(config(&["lower"]).validate().is_err());
        assert!(config(&["A", "A"]).validate().is_err());
        assert!(config(&["<script>"]).validate().is_err());
    }
}
