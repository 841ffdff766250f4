-- The cell key method of disclosure control (docs/methods.md#the-cell-key-method): every
-- response carries a record key, an integer drawn uniformly from 0 .. 2^32 - 1 when it is stored
-- (by the collector, from a cryptographic generator) and never output; beside every count the
-- rollups keep the sum of the record keys of the responses it counts, so the key of any cell is
-- the sum of its rows' key sums modulo 2^32. Responses stored before get a key drawn here, and
-- the key sums of the existing rollups are computed from them exactly as the writer and
-- `rollups rebuild` compute them.
ALTER TABLE responses ADD COLUMN record_key BIGINT NOT NULL DEFAULT 0;
UPDATE responses SET record_key = floor(random() * 4294967296)::bigint;
ALTER TABLE rollups ADD COLUMN responses_key BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN valutazione_key_1 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN valutazione_key_2 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN valutazione_key_3 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN valutazione_key_4 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN valutazione_key_5 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN soddisfazione_key_1 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN soddisfazione_key_2 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN soddisfazione_key_3 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN soddisfazione_key_4 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN soddisfazione_key_5 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN fiducia_key_1 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN fiducia_key_2 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN fiducia_key_3 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN fiducia_key_4 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN fiducia_key_5 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollup_choices ADD COLUMN key_sum BIGINT NOT NULL DEFAULT 0;

-- Day rows by channel and attestation; month rows summed over both.
UPDATE rollups SET
    responses_key = s.responses_key,
    valutazione_key_1 = s.valutazione_key_1,
    valutazione_key_2 = s.valutazione_key_2,
    valutazione_key_3 = s.valutazione_key_3,
    valutazione_key_4 = s.valutazione_key_4,
    valutazione_key_5 = s.valutazione_key_5,
    soddisfazione_key_1 = s.soddisfazione_key_1,
    soddisfazione_key_2 = s.soddisfazione_key_2,
    soddisfazione_key_3 = s.soddisfazione_key_3,
    soddisfazione_key_4 = s.soddisfazione_key_4,
    soddisfazione_key_5 = s.soddisfazione_key_5,
    fiducia_key_1 = s.fiducia_key_1,
    fiducia_key_2 = s.fiducia_key_2,
    fiducia_key_3 = s.fiducia_key_3,
    fiducia_key_4 = s.fiducia_key_4,
    fiducia_key_5 = s.fiducia_key_5
FROM (
    SELECT 'D' AS grain, substr(received_at, 1, 10) AS period, service_id, questionnaire_id,
        channel, verified,
        SUM(record_key) AS responses_key,
        SUM(CASE WHEN valutazione = 1 THEN record_key ELSE 0 END) AS valutazione_key_1,
        SUM(CASE WHEN valutazione = 2 THEN record_key ELSE 0 END) AS valutazione_key_2,
        SUM(CASE WHEN valutazione = 3 THEN record_key ELSE 0 END) AS valutazione_key_3,
        SUM(CASE WHEN valutazione = 4 THEN record_key ELSE 0 END) AS valutazione_key_4,
        SUM(CASE WHEN valutazione = 5 THEN record_key ELSE 0 END) AS valutazione_key_5,
        SUM(CASE WHEN soddisfazione = 1 THEN record_key ELSE 0 END) AS soddisfazione_key_1,
        SUM(CASE WHEN soddisfazione = 2 THEN record_key ELSE 0 END) AS soddisfazione_key_2,
        SUM(CASE WHEN soddisfazione = 3 THEN record_key ELSE 0 END) AS soddisfazione_key_3,
        SUM(CASE WHEN soddisfazione = 4 THEN record_key ELSE 0 END) AS soddisfazione_key_4,
        SUM(CASE WHEN soddisfazione = 5 THEN record_key ELSE 0 END) AS soddisfazione_key_5,
        SUM(CASE WHEN fiducia = 1 THEN record_key ELSE 0 END) AS fiducia_key_1,
        SUM(CASE WHEN fiducia = 2 THEN record_key ELSE 0 END) AS fiducia_key_2,
        SUM(CASE WHEN fiducia = 3 THEN record_key ELSE 0 END) AS fiducia_key_3,
        SUM(CASE WHEN fiducia = 4 THEN record_key ELSE 0 END) AS fiducia_key_4,
        SUM(CASE WHEN fiducia = 5 THEN record_key ELSE 0 END) AS fiducia_key_5
    FROM responses
    GROUP BY substr(received_at, 1, 10), service_id, questionnaire_id, channel, verified
    UNION ALL
    SELECT 'M' AS grain, substr(received_at, 1, 7) AS period, service_id, questionnaire_id,
        '' AS channel, false AS verified,
        SUM(record_key) AS responses_key,
        SUM(CASE WHEN valutazione = 1 THEN record_key ELSE 0 END) AS valutazione_key_1,
        SUM(CASE WHEN valutazione = 2 THEN record_key ELSE 0 END) AS valutazione_key_2,
        SUM(CASE WHEN valutazione = 3 THEN record_key ELSE 0 END) AS valutazione_key_3,
        SUM(CASE WHEN valutazione = 4 THEN record_key ELSE 0 END) AS valutazione_key_4,
        SUM(CASE WHEN valutazione = 5 THEN record_key ELSE 0 END) AS valutazione_key_5,
        SUM(CASE WHEN soddisfazione = 1 THEN record_key ELSE 0 END) AS soddisfazione_key_1,
        SUM(CASE WHEN soddisfazione = 2 THEN record_key ELSE 0 END) AS soddisfazione_key_2,
        SUM(CASE WHEN soddisfazione = 3 THEN record_key ELSE 0 END) AS soddisfazione_key_3,
        SUM(CASE WHEN soddisfazione = 4 THEN record_key ELSE 0 END) AS soddisfazione_key_4,
        SUM(CASE WHEN soddisfazione = 5 THEN record_key ELSE 0 END) AS soddisfazione_key_5,
        SUM(CASE WHEN fiducia = 1 THEN record_key ELSE 0 END) AS fiducia_key_1,
        SUM(CASE WHEN fiducia = 2 THEN record_key ELSE 0 END) AS fiducia_key_2,
        SUM(CASE WHEN fiducia = 3 THEN record_key ELSE 0 END) AS fiducia_key_3,
        SUM(CASE WHEN fiducia = 4 THEN record_key ELSE 0 END) AS fiducia_key_4,
        SUM(CASE WHEN fiducia = 5 THEN record_key ELSE 0 END) AS fiducia_key_5
    FROM responses
    GROUP BY substr(received_at, 1, 7), service_id, questionnaire_id
) AS s
WHERE rollups.grain = s.grain AND rollups.period = s.period
    AND rollups.service_id = s.service_id AND rollups.questionnaire_id = s.questionnaire_id
    AND rollups.channel = s.channel AND rollups.verified = s.verified;

-- Choice rows: `esito` by its option; a reason under the follow-up its rating showed
-- (`difficolta` for 1-3, `aspetti-positivi` for 4-5 in the national catalog).
UPDATE rollup_choices SET key_sum = s.key_sum
FROM (
    SELECT 'D' AS grain, substr(received_at, 1, 10) AS period, service_id, questionnaire_id,
        channel, verified, 'esito' AS question, esito AS option, SUM(record_key) AS key_sum
    FROM responses WHERE esito IS NOT NULL
    GROUP BY substr(received_at, 1, 10), service_id, questionnaire_id, channel, verified, esito
    UNION ALL
    SELECT 'M' AS grain, substr(received_at, 1, 7) AS period, service_id, questionnaire_id,
        '' AS channel, false AS verified, 'esito' AS question, esito AS option,
        SUM(record_key) AS key_sum
    FROM responses WHERE esito IS NOT NULL
    GROUP BY substr(received_at, 1, 7), service_id, questionnaire_id, esito
    UNION ALL
    SELECT 'D' AS grain, substr(received_at, 1, 10) AS period, service_id, questionnaire_id,
        channel, verified, 'difficolta' AS question, motivo AS option, SUM(record_key) AS key_sum
    FROM responses WHERE motivo IS NOT NULL AND valutazione BETWEEN 1 AND 3
    GROUP BY substr(received_at, 1, 10), service_id, questionnaire_id, channel, verified, motivo
    UNION ALL
    SELECT 'M' AS grain, substr(received_at, 1, 7) AS period, service_id, questionnaire_id,
        '' AS channel, false AS verified, 'difficolta' AS question, motivo AS option,
        SUM(record_key) AS key_sum
    FROM responses WHERE motivo IS NOT NULL AND valutazione BETWEEN 1 AND 3
    GROUP BY substr(received_at, 1, 7), service_id, questionnaire_id, motivo
    UNION ALL
    SELECT 'D' AS grain, substr(received_at, 1, 10) AS period, service_id, questionnaire_id,
        channel, verified, 'aspetti-positivi' AS question, motivo AS option, SUM(record_key) AS key_sum
    FROM responses WHERE motivo IS NOT NULL AND valutazione BETWEEN 4 AND 5
    GROUP BY substr(received_at, 1, 10), service_id, questionnaire_id, channel, verified, motivo
    UNION ALL
    SELECT 'M' AS grain, substr(received_at, 1, 7) AS period, service_id, questionnaire_id,
        '' AS channel, false AS verified, 'aspetti-positivi' AS question, motivo AS option,
        SUM(record_key) AS key_sum
    FROM responses WHERE motivo IS NOT NULL AND valutazione BETWEEN 4 AND 5
    GROUP BY substr(received_at, 1, 7), service_id, questionnaire_id, motivo
) AS s
WHERE rollup_choices.grain = s.grain AND rollup_choices.period = s.period
    AND rollup_choices.service_id = s.service_id
    AND rollup_choices.questionnaire_id = s.questionnaire_id
    AND rollup_choices.channel = s.channel AND rollup_choices.verified = s.verified
    AND rollup_choices.question = s.question AND rollup_choices.option = s.option;
