//! API tests through the real HTTP server, each against a fresh database, on SQLite and (when
//! reachable) PostgreSQL.

mod backup;
mod bucket;
mod chaos;
mod group;
mod helpers;
mod kill;
mod matrix;
mod plan;
mod registers;
mod risk;
mod robot;
mod roles;
mod scale;
mod security;
mod shutdown;
mod stories;

use chaos::sync_under_faults;
use group::group_commit_keeps_batches_apart;
use helpers::*;
use matrix::role_endpoint_matrix;
use plan::the_plan_shows_rounds_due_and_missed;
use registers::{
    a_monthly_round_checks_the_registers_extinguishers, a_round_prints_its_record,
    dashboard_lists_the_most_urgent_reminders, dashboard_shows_what_the_data_implies,
    inspections_are_listed_by_scope_type_and_day, registers_templates_campaigns,
};
use risk::risk_points_are_kept_and_shown;
use roles::one_person_holds_several_roles;
use scale::two_instances_one_database;
use security::*;
use stories::*;

stories!(
    health_and_headers,
    login_logout_and_errors,
    login_rate_limited,
    bootstrap_is_scoped,
    walk_through_push_is_idempotent,
    device_seq_gap_asks_for_resend,
    missing_photo_holds_operation,
    stale_transition_and_field_conflict,
    closing_the_loop_and_audit_trail,
    pull_pages_and_scope,
    photos_upload_rules,
    authorization_matrix,
    role_endpoint_matrix,
    ledger_filters_agree_with_domain,
    ledger_pages_agree_sorted_or_walked,
    malformed_input_is_4xx,
    sync_under_faults,
    exports_open,
    two_instances_one_database,
    openapi_lists_every_endpoint,
    admin_configures_a_new_station,
    measures_list_and_export,
    registers_templates_campaigns,
    inspections_are_listed_by_scope_type_and_day,
    dashboard_shows_what_the_data_implies,
    dashboard_lists_the_most_urgent_reminders,
    group_commit_keeps_batches_apart,
    concurrent_guesses_are_reserved_before_checking,
    one_address_many_names_is_throttled,
    passwords_follow_the_rule_and_users_change_their_own,
    long_text_is_refused_where_it_enters,
    a_photo_hash_alone_opens_nothing,
    scope_before_anything_else,
    workbook_links_ignore_the_host_header,
    ledger_workbook_has_the_offices_columns,
    a_monthly_round_checks_the_registers_extinguishers,
    a_round_prints_its_record,
    the_plan_shows_rounds_due_and_missed,
    risk_points_are_kept_and_shown,
    one_person_holds_several_roles,
);

#[tokio::test]
async fn expired_tokens_are_refused() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.token_days = 0)
        .await
        .unwrap();
    let s = app.login("inspector").await;
    let r = app.get(&s, "/api/v1/me").await;
    assert_eq!(r.status(), reqwest::StatusCode::UNAUTHORIZED);
    let body: saferounds_shared::ApiError = r.json().await.unwrap();
    assert_eq!(body.code, "unauthorized");
    app.stop().await;
}
