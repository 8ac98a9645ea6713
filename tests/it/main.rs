//! The one integration-test binary: real servers on random loopback ports,
//! fresh data dirs, HTTP all the way.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin_pages;
mod auditlog;
mod auth;
mod authz;
mod blobs;
mod cli;
mod containment;
mod crash;
mod demo_attack;
mod directory;
mod documents;
mod guard;
mod guard_budgets;
mod guard_nodes;
mod hardening;
mod health;
mod identity;
mod identity_enrollment;
mod identity_locked;
mod migrate;
mod nodes;
mod nodes_killed;
mod oidc;
mod pages;
mod passkeys;
mod postgres;
mod search;
mod security_console;
mod security_review;
mod step_up;
mod triage;
mod triage_files;
mod triage_rewrite;
mod upload_page;
mod watermark;
