DROP INDEX responses_received;
DROP INDEX responses_service_id;
DROP INDEX audit_log_at;
DROP TABLE audit_log;
DROP TABLE operator_tokens;
