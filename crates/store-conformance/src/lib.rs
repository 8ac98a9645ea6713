#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! One behaviour suite over every storage backend (the pattern of garage's
//! and atuin's storage tests): each behaviour is a function of a fresh
//! [`Store`], and [`conformance!`] turns the list into `#[tokio::test]`s
//! for a backend, given how to open a fresh one. `rampart-store-sqlite`
//! runs it on a file in a temporary directory, `rampart-store-postgres` on
//! a fresh schema of the test database.

pub mod ceremonies;
pub mod directory;
pub mod fixtures;
pub mod general;
pub mod matching;
pub mod passkeys;
pub mod pending_totp;
pub mod search;
pub mod semantic;
pub mod sign_in;

pub use rampart_store::Store;

/// Declares one test per behaviour. `$fresh` is an async function
/// returning `(guard, Store)`: a fresh, empty store, and whatever must live
/// as long as it (a temporary directory, a schema to drop).
#[macro_export]
macro_rules! conformance {
    ($fresh:path) => {
        $crate::behaviours! { $fresh;
            general::slugs_and_emails_are_unique,
            general::listing_filters_by_releasability_and_paginates,
            general::suspension_ends_sessions_and_revokes_tokens,
            general::audit_events_are_logged_in_order_with_checkpoints,
            general::concurrent_guard_updates_are_serialised_and_none_is_lost,
            general::peer_baselines_merge_in_their_own_transaction,
            matching::indexed_hashes_hold_every_exact_hash_across_the_hash_space,
            matching::the_match_index_finds_items_by_band_and_anchor_and_skips_boilerplate,
            matching::downloads_of_documents_lists_each_documents_oldest_within_the_limit,
            matching::documents_served_as_finds_documents_by_download_prefix,
            directory::the_directory_shows_what_a_viewer_needs_to_know,
            search::search_is_filtered_by_permission_inside_the_query,
            search::search_ranks_titles_first_and_pages,
            search::search_finds_visible_documents_below_many_hidden_ones,
            search::search_reads_phrases_prefixes_filters_and_every_version,
            semantic::versions_wait_for_their_passages_until_embedded_by_the_current_model,
            semantic::embedded_items_come_item_by_item_in_order,
            semantic::embedders_claim_disjoint_batches_until_their_claims_end,
            sign_in::totp_steps_are_accepted_once_and_in_order,
            sign_in::throttle_counters_grow_block_and_reset_after_quiet,
            sign_in::the_detector_counts_distinct_accounts_and_sources,
            sign_in::devices_after_the_first_are_notices,
            pending_totp::a_pending_secret_is_kept_per_session_until_replaced,
            pending_totp::confirming_takes_the_secret_that_was_checked_from_its_own_session,
            passkeys::credentials_belong_to_one_account_and_are_removed_in_scope,
            passkeys::counters_only_move_forward,
            passkeys::challenges_are_taken_once_in_scope_and_expire,
            passkeys::resetting_second_factors_removes_only_that_accounts,
            ceremonies::a_login_is_taken_once_and_stale_ones_are_swept,
            ceremonies::an_oidc_state_raced_by_many_is_taken_by_one,
            ceremonies::a_passkey_challenge_raced_by_many_is_taken_by_one,
            ceremonies::a_passkey_counter_raced_by_many_advances_once,
            ceremonies::a_totp_step_raced_by_many_is_accepted_once,
            ceremonies::throttle_failures_raced_by_many_are_all_counted,
        }
    };
}

/// The expansion of [`conformance!`].
#[doc(hidden)]
#[macro_export]
macro_rules! behaviours {
    ($fresh:path; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (_guard, store) = $fresh().await;
                $crate::$module::$name(store).await;
            }
        )*
    };
}
