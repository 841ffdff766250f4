//! The one portable schema, written by hand to match both `migrations/sqlite` and
//! `migrations/postgresql`: only types that mean the same on both backends (text, 32- and 64-bit
//! integers, booleans). Timestamps are RFC 3339 UTC text and days `YYYY-MM-DD`, which sort correctly.

#![allow(missing_docs)]

diesel::table! {
    bodies (ipa_code) {
        ipa_code -> Text,
        name -> Text,
        body_kind -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    body_origins (ipa_code, origin) {
        ipa_code -> Text,
        origin -> Text,
    }
}

diesel::table! {
    services (id) {
        id -> Text,
        body -> Text,
        name -> Text,
        service_kind -> Text,
        questionnaire_id -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    questionnaire_versions (id, version) {
        id -> Text,
        version -> Integer,
        hash -> Text,
        definition -> Text,
    }
}

diesel::table! {
    responses (id) {
        id -> Text,
        service_id -> Text,
        questionnaire_id -> Text,
        questionnaire_version -> Integer,
        questionnaire_hash -> Text,
        ticket_id -> Text,
        body_fingerprint -> Text,
        received_at -> Text,
        locale -> Text,
        answers -> Text,
        valutazione -> Nullable<Integer>,
        motivo -> Nullable<Text>,
        esito -> Nullable<Text>,
        soddisfazione -> Nullable<Integer>,
        fiducia -> Nullable<Integer>,
        channel -> Text,
        verified -> Bool,
        export_key -> Text,
        record_key -> BigInt,
    }
}

diesel::table! {
    free_texts (id) {
        id -> Text,
        response_id -> Text,
        question -> Text,
        text -> Text,
        redacted_kinds -> Text,
        purge_after -> Text,
    }
}

diesel::table! {
    daily_counters (service_id, day) {
        service_id -> Text,
        day -> Text,
        tickets_issued -> BigInt,
        responses_stored -> BigInt,
        tickets_key -> BigInt,
    }
}

diesel::table! {
    daily_rejections (day, reason) {
        day -> Text,
        reason -> Text,
        count -> BigInt,
    }
}

diesel::joinable!(body_origins -> bodies (ipa_code));
diesel::joinable!(services -> bodies (body));
diesel::joinable!(responses -> services (service_id));
diesel::joinable!(free_texts -> responses (response_id));
diesel::joinable!(daily_counters -> services (service_id));

diesel::allow_tables_to_appear_in_same_query!(
    bodies,
    body_origins,
    services,
    questionnaire_versions,
    responses,
    free_texts,
    daily_counters,
    daily_rejections,
);

diesel::table! {
    registry_version (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    rollups (grain, period, service_id, questionnaire_id, channel, verified) {
        grain -> Text,
        period -> Text,
        service_id -> Text,
        questionnaire_id -> Text,
        channel -> Text,
        verified -> Bool,
        responses -> BigInt,
        valutazione_n -> BigInt,
        valutazione_sum -> BigInt,
        valutazione_sumsq -> BigInt,
        valutazione_1 -> BigInt,
        valutazione_2 -> BigInt,
        valutazione_3 -> BigInt,
        valutazione_4 -> BigInt,
        valutazione_5 -> BigInt,
        soddisfazione_n -> BigInt,
        soddisfazione_sum -> BigInt,
        soddisfazione_sumsq -> BigInt,
        soddisfazione_1 -> BigInt,
        soddisfazione_2 -> BigInt,
        soddisfazione_3 -> BigInt,
        soddisfazione_4 -> BigInt,
        soddisfazione_5 -> BigInt,
        fiducia_n -> BigInt,
        fiducia_sum -> BigInt,
        fiducia_sumsq -> BigInt,
        fiducia_1 -> BigInt,
        fiducia_2 -> BigInt,
        fiducia_3 -> BigInt,
        fiducia_4 -> BigInt,
        fiducia_5 -> BigInt,
        responses_key -> BigInt,
        valutazione_key_1 -> BigInt,
        valutazione_key_2 -> BigInt,
        valutazione_key_3 -> BigInt,
        valutazione_key_4 -> BigInt,
        valutazione_key_5 -> BigInt,
        soddisfazione_key_1 -> BigInt,
        soddisfazione_key_2 -> BigInt,
        soddisfazione_key_3 -> BigInt,
        soddisfazione_key_4 -> BigInt,
        soddisfazione_key_5 -> BigInt,
        fiducia_key_1 -> BigInt,
        fiducia_key_2 -> BigInt,
        fiducia_key_3 -> BigInt,
        fiducia_key_4 -> BigInt,
        fiducia_key_5 -> BigInt,
    }
}

diesel::table! {
    operator_tokens (id) {
        id -> Text,
        role -> Text,
        body -> Nullable<Text>,
        issued_at -> Text,
        expires_at -> Text,
        revoked_at -> Nullable<Text>,
    }
}

diesel::table! {
    rollup_choices (grain, period, service_id, questionnaire_id, channel, verified, question, option) {
        grain -> Text,
        period -> Text,
        service_id -> Text,
        questionnaire_id -> Text,
        channel -> Text,
        verified -> Bool,
        question -> Text,
        option -> Text,
        count -> BigInt,
        key_sum -> BigInt,
    }
}

diesel::table! {
    monthly_counters (month, service_id) {
        service_id -> Text,
        month -> Text,
        tickets_issued -> BigInt,
        tickets_key -> BigInt,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Text,
        actor_id -> Text,
        actor_role -> Text,
        action -> Text,
        body -> Nullable<Text>,
        detail -> Text,
    }
}

diesel::table! {
    releases (id) {
        id -> Text,
        period -> Text,
        kind -> Text,
        sequence -> Integer,
        created_at -> Text,
        publish_at -> Text,
        sha256 -> Text,
        content -> Text,
        revises -> Nullable<Text>,
        reason -> Nullable<Text>,
        changes -> Nullable<Text>,
        created_by -> Text,
    }
}

diesel::table! {
    attestation_keys (ipa_code, kid) {
        ipa_code -> Text,
        kid -> Text,
        public_key -> Text,
    }
}
