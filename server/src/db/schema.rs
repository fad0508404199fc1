// The tables of migrations/{sqlite,postgres}; types chosen to mean the same
// on both backends.

diesel::table! {
    dockets (id) {
        id -> Text,
        title -> Text,
        agency -> Text,
        summary -> Text,
        definition -> Text,
        time_zone -> Text,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        extended_until -> Nullable<Timestamp>,
        late_policy -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    comments (id) {
        id -> Text,
        tracking_number -> Text,
        docket_id -> Text,
        received_at -> Timestamp,
        late -> Bool,
        submitter_type -> Text,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        organization -> Nullable<Text>,
        organization_type -> Nullable<Text>,
        category -> Text,
        country -> Text,
        state_province -> Nullable<Text>,
        email -> Nullable<Text>,
        answers -> Text,
        general_comment -> Nullable<Text>,
        business_confidential -> Bool,
        signatories -> Nullable<BigInt>,
        posting_status -> Text,
        client_key -> Nullable<Text>,
        withheld_reason -> Nullable<Text>,
        posting_changed_at -> Nullable<Timestamp>,
        posting_changed_by -> Nullable<Text>,
    }
}

diesel::table! {
    redacted_files (attachment_id) {
        attachment_id -> Text,
        comment_id -> Text,
        filename -> Text,
        kind -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    attribution_reports (id) {
        id -> Text,
        comment_id -> Text,
        docket_id -> Text,
        reporter_name -> Text,
        reporter_email -> Text,
        statement -> Text,
        status -> Text,
        created_at -> Timestamp,
        resolved_by -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        resolution_note -> Nullable<Text>,
    }
}

diesel::table! {
    imported_comments (comment_id) {
        comment_id -> Text,
        docket_id -> Text,
        document_id -> Text,
        category_text -> Nullable<Text>,
        duplicate_comments -> Nullable<BigInt>,
        attachment_urls -> Text,
        source_file -> Text,
        source_line -> BigInt,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    deadline_changes (id) {
        id -> Text,
        docket_id -> Text,
        closes_before -> Timestamp,
        closes_at -> Timestamp,
        notice -> Text,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    redactions (comment_id) {
        comment_id -> Text,
        answers -> Text,
        general_comment -> Nullable<Text>,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    posting_operations (id) {
        id -> Text,
        docket_id -> Text,
        status -> Text,
        reason -> Nullable<Text>,
        search -> Text,
        actor -> Text,
        state -> Text,
        matched -> Integer,
        done -> Integer,
        changed -> Integer,
        skipped -> Integer,
        cursor -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    posting_targets (operation_id, comment_id) {
        operation_id -> Text,
        comment_id -> Text,
    }
}

diesel::table! {
    attachments (id) {
        id -> Text,
        comment_id -> Text,
        position -> Integer,
        filename -> Text,
        kind -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
    }
}

diesel::table! {
    change_feed (seq) {
        seq -> BigInt,
        kind -> Text,
        comment_id -> Text,
        docket_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (docket_id, idem_key) {
        docket_id -> Text,
        idem_key -> Text,
        request_hash -> Text,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Nullable<Text>,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    blob_texts (sha256) {
        sha256 -> Text,
        status -> Text,
        detail -> Nullable<Text>,
        content -> Text,
        extracted_at -> Timestamp,
        content_bytes -> BigInt,
    }
}

diesel::joinable!(comments -> dockets (docket_id));
diesel::table! {
    jobs (id) {
        id -> Text,
        kind -> Text,
        subject -> Text,
        status -> Text,
        attempts -> Integer,
        run_after -> Timestamp,
        leased_by -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    index_nodes (node_id) {
        node_id -> Text,
        applied_seq -> BigInt,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    feed_horizon (id) {
        id -> Integer,
        purged_through -> BigInt,
    }
}

diesel::table! {
    tags (id) {
        id -> Text,
        docket_id -> Text,
        path -> Text,
        label -> Text,
        instructions -> Text,
        retired_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tag_names (docket_id, name) {
        docket_id -> Text,
        name -> Text,
        tag_id -> Text,
        named_at -> Timestamp,
    }
}

diesel::table! {
    comment_tags (id) {
        id -> Text,
        comment_id -> Text,
        tag_id -> Text,
        source -> Text,
        source_id -> Text,
        coder -> Text,
        excerpt_field -> Text,
        excerpt_start -> Integer,
        excerpt_end -> Integer,
        excerpt_text -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        docket_id -> Text,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        subject -> Text,
        detail -> Text,
    }
}

diesel::table! {
    bulk_operations (id) {
        id -> Text,
        docket_id -> Text,
        tag_id -> Text,
        search -> Text,
        coder -> Text,
        status -> Text,
        matched -> Integer,
        applied -> Integer,
        cursor -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    bulk_targets (operation_id, comment_id) {
        operation_id -> Text,
        comment_id -> Text,
    }
}

diesel::table! {
    tag_rules (id) {
        id -> Text,
        docket_id -> Text,
        tag_id -> Text,
        search -> Text,
        author -> Text,
        status -> Text,
        version -> Integer,
        cursor -> Text,
        apply_seq -> BigInt,
        checked_seq -> BigInt,
        tagged -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    rule_rejections (rule_id, comment_id) {
        rule_id -> Text,
        comment_id -> Text,
        rejected_by -> Text,
        rejected_at -> Timestamp,
    }
}

diesel::table! {
    rule_tags (rule_id, comment_id) {
        rule_id -> Text,
        comment_id -> Text,
        tag_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(rule_tags -> tags (tag_id));
diesel::joinable!(rule_tags -> tag_rules (rule_id));
diesel::joinable!(tag_rules -> tags (tag_id));
diesel::joinable!(rule_rejections -> tag_rules (rule_id));
diesel::joinable!(bulk_operations -> tags (tag_id));
diesel::joinable!(tag_names -> tags (tag_id));
diesel::joinable!(comment_tags -> tags (tag_id));
diesel::joinable!(comment_tags -> comments (comment_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(attachments -> comments (comment_id));

diesel::allow_tables_to_appear_in_same_query!(
    dockets,
    comments,
    posting_operations,
    posting_targets,
    redactions,
    redacted_files,
    attribution_reports,
    imported_comments,
    deadline_changes,
    attachments,
    change_feed,
    idempotency_keys,
    users,
    api_tokens,
    sessions,
    blob_texts,
    jobs,
    index_nodes,
    feed_horizon,
    tags,
    tag_names,
    comment_tags,
    audit_log,
    bulk_operations,
    bulk_targets,
    tag_rules,
    rule_rejections,
    rule_tags,
    campaigns,
    campaign_members,
    campaign_prints,
    campaign_keys,
    campaign_profiles,
    campaign_corrections,
    server_secrets,
    comment_signals,
    organization_groups
);

diesel::table! {
    campaigns (id) {
        id -> Text,
        docket_id -> Text,
        name -> Nullable<Text>,
        confirmed_by -> Nullable<Text>,
        confirmed_at -> Nullable<Timestamp>,
        template_id -> Text,
        size -> Integer,
        signatories -> BigInt,
        first_received -> Timestamp,
        last_received -> Timestamp,
        categories -> Text,
        organizations -> Text,
        signals -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    campaign_members (comment_id) {
        comment_id -> Text,
        campaign_id -> Text,
        similarity -> Double,
        added_words -> Integer,
    }
}

diesel::table! {
    campaign_prints (comment_id) {
        comment_id -> Text,
        docket_id -> Text,
        exact_hash -> BigInt,
    }
}

diesel::table! {
    campaign_keys (band_key, comment_id) {
        band_key -> BigInt,
        comment_id -> Text,
    }
}

diesel::table! {
    campaign_profiles (docket_id) {
        docket_id -> Text,
        profile -> Text,
        comments -> BigInt,
        checked_seq -> BigInt,
        built_at -> Timestamp,
    }
}

diesel::table! {
    campaign_corrections (id) {
        id -> Text,
        docket_id -> Text,
        kind -> Text,
        comment_id -> Text,
        other_id -> Nullable<Text>,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    comment_signals (source, comment_id, kind) {
        source -> Text,
        comment_id -> Text,
        kind -> Text,
        docket_id -> Text,
    }
}

diesel::table! {
    organization_groups (docket_id, spelling) {
        docket_id -> Text,
        spelling -> Text,
        group_key -> Text,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    server_secrets (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::joinable!(campaign_members -> campaigns (campaign_id));
diesel::joinable!(campaign_members -> comments (comment_id));
