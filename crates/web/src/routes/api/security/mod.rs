//! For security officers: the guard's alerts, unlocking accounts, canaries.
//! To everyone else these endpoints do not exist (404).

pub mod alerts;
pub mod canaries;
pub mod unlock;
