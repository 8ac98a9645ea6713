//! The signed-in account: who it is, its password, sessions, API tokens,
//! second factors and passkeys, and the guard's step-up.

pub mod confirm;
pub mod me;
pub mod passkeys;
pub mod password;
pub mod sessions;
pub mod tokens;
pub mod totp;
