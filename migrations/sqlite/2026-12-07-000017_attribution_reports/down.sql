DROP TABLE attribution_reports;
