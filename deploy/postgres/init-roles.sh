#!/bin/sh
# Runs once, when the database volume is created (the postgres image's init hook).
# csc_owner owns the schema and runs the migrations; csc_app, the role web, worker and beat use,
# owns nothing: it reads and writes rows, cannot TRUNCATE, alter a table or switch a trigger off.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE csc_owner LOGIN PASSWORD '${CSC_OWNER_PASSWORD}';
CREATE ROLE csc_app LOGIN PASSWORD '${CSC_APP_PASSWORD}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
CREATE DATABASE csc OWNER csc_owner;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname csc <<SQL
ALTER SCHEMA public OWNER TO csc_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE csc FROM PUBLIC;
GRANT CONNECT ON DATABASE csc TO csc_app;
SQL
