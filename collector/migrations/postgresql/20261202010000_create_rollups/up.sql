-- Rollups: what every statistic is computed from, so that no query scans the responses. One row
-- per grain (`D` a day, `M` a month) × period (`YYYY-MM-DD` or `YYYY-MM`) × service ×
-- questionnaire × channel × verified, updated in the transaction that stores the responses it
-- counts, and rebuilt from the responses by `voce-collector rollups rebuild`. Month rows are
-- summed over channels (channel '' and verified false): a national overview by month reads one
-- row per service and month.
-- Each 1–5 column (valutazione, soddisfazione, fiducia) has its count, sum, sum of squares and
-- histogram.
CREATE TABLE rollups (
    grain TEXT NOT NULL,
    period TEXT NOT NULL,
    service_id TEXT NOT NULL REFERENCES services (id),
    questionnaire_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    verified BOOLEAN NOT NULL,
    responses BIGINT NOT NULL DEFAULT 0,
    valutazione_n BIGINT NOT NULL DEFAULT 0,
    valutazione_sum BIGINT NOT NULL DEFAULT 0,
    valutazione_sumsq BIGINT NOT NULL DEFAULT 0,
    valutazione_1 BIGINT NOT NULL DEFAULT 0,
    valutazione_2 BIGINT NOT NULL DEFAULT 0,
    valutazione_3 BIGINT NOT NULL DEFAULT 0,
    valutazione_4 BIGINT NOT NULL DEFAULT 0,
    valutazione_5 BIGINT NOT NULL DEFAULT 0,
    soddisfazione_n BIGINT NOT NULL DEFAULT 0,
    soddisfazione_sum BIGINT NOT NULL DEFAULT 0,
    soddisfazione_sumsq BIGINT NOT NULL DEFAULT 0,
    soddisfazione_1 BIGINT NOT NULL DEFAULT 0,
    soddisfazione_2 BIGINT NOT NULL DEFAULT 0,
    soddisfazione_3 BIGINT NOT NULL DEFAULT 0,
    soddisfazione_4 BIGINT NOT NULL DEFAULT 0,
    soddisfazione_5 BIGINT NOT NULL DEFAULT 0,
    fiducia_n BIGINT NOT NULL DEFAULT 0,
    fiducia_sum BIGINT NOT NULL DEFAULT 0,
    fiducia_sumsq BIGINT NOT NULL DEFAULT 0,
    fiducia_1 BIGINT NOT NULL DEFAULT 0,
    fiducia_2 BIGINT NOT NULL DEFAULT 0,
    fiducia_3 BIGINT NOT NULL DEFAULT 0,
    fiducia_4 BIGINT NOT NULL DEFAULT 0,
    fiducia_5 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, period, service_id, questionnaire_id, channel, verified)
);

-- Counts per option of the single-choice questions: `esito` and the two follow-ups
-- (`difficolta`, `aspetti-positivi`: the reasons, by direction), same key as `rollups`.
CREATE TABLE rollup_choices (
    grain TEXT NOT NULL,
    period TEXT NOT NULL,
    service_id TEXT NOT NULL REFERENCES services (id),
    questionnaire_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    verified BOOLEAN NOT NULL,
    question TEXT NOT NULL,
    option TEXT NOT NULL,
    count BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, period, service_id, questionnaire_id, channel, verified, question, option)
);

-- Tickets issued per service and month (the daily counters summed), for the response rate of
-- monthly, quarterly and yearly cells without reading every day.
CREATE TABLE monthly_counters (
    service_id TEXT NOT NULL REFERENCES services (id),
    month TEXT NOT NULL,
    tickets_issued BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, service_id)
);
