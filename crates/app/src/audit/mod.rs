//! Who acts from where, and building and recording audit events. A
//! failure to record is a failure of the use case: nothing is answered (and
//! no byte of a document leaves) without its event on disk.

pub use rampart_domain::{network_of, AuditKind, Origin};

use crate::{identity::Authenticated, App, Error};
use rampart_store::{AuditEvent, Outcome};

impl App {
    /// A blank event of `kind` stamped with the current time.
    pub(crate) fn event(&self, origin: &Origin, kind: AuditKind, outcome: Outcome) -> AuditEvent {
        self.identity.event(origin, kind, outcome)
    }

    /// An event for an authenticated principal.
    pub(crate) fn event_for(
        &self,
        user: &Authenticated,
        origin: &Origin,
        kind: AuditKind,
        outcome: Outcome,
    ) -> AuditEvent {
        self.identity.event_for(user, origin, kind, outcome)
    }

    /// Appends an event durably: a failure to record is a failure of the
    /// use case.
    pub(crate) async fn record(&self, event: AuditEvent) -> Result<u64, Error> {
        Ok(self.identity.record(event).await?)
    }
}
