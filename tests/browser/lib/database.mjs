// Reads what the collector stored, through the collector's own command line:
// `voce-collector responses count` and `voce-collector responses export --full-record` (JSON Lines:
// the operator's own check of every stored column, audited), run against
// the same database as the server under test. Nothing here knows the table layout.

/** The number of stored responses (of one service), as the collector counts them. */
export function countResponses(collector, service) {
  const args = ['responses', 'count'];
  if (service) args.push('--service', service);
  return Number(collector.cli(args).trim());
}

/**
 * Every stored response of `service`, oldest first, with its answers and its free texts:
 * `{ id, service_id, questionnaire_id, questionnaire_version, questionnaire_hash, received_at, locale,
 *    answers, valutazione, motivo, esito, soddisfazione, fiducia, free_texts: [{question, text, redacted_kinds}] }`.
 */
export function responsesOf(collector, service) {
  return collector
    .cli(['responses', 'export', '--full-record', '--service', service])
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}
