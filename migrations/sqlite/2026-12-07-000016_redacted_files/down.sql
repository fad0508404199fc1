DROP TABLE redacted_files;
