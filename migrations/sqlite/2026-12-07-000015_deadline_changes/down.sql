DROP TABLE deadline_changes;
