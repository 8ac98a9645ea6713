//! What every handler shares: the application context. A type of this
//! crate so that the extractors (who is asking, from where) can be
//! implemented for it; it dereferences to [`App`], so a handler passes
//! `&state` to any use case.

use rampart_app::App;
use std::ops::Deref;

/// The router's state; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState(pub App);

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}
