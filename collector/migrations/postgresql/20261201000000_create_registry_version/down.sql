DROP TABLE registry_version;
