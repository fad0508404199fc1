DROP TABLE server_secrets;
ALTER TABLE comments DROP COLUMN client_key;
DROP INDEX comments_docket_id;
DROP TABLE campaign_corrections;
DROP TABLE campaign_profiles;
DROP TABLE campaign_keys;
DROP TABLE campaign_prints;
DROP TABLE campaign_members;
DROP TABLE campaigns;
