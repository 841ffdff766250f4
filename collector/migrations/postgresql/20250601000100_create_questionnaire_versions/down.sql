DROP TABLE questionnaire_versions;
