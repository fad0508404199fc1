DROP TABLE organization_groups;
