#!/bin/sh
# One-shot schema job (compose service temporal-schema, image temporalio/admin-tools), as in
# Temporal's compose samples: creates Temporal's two PostgreSQL databases when missing, then brings
# both schemas to the versions this admin-tools image ships (update-schema applies only the
# versions a database lacks, so a second run changes nothing). The password is read from the
# secret file into this process's environment only.
set -eu

: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${POSTGRES_PASSWORD_FILE:?}"
SQL_PASSWORD=$(cat "$POSTGRES_PASSWORD_FILE")
export SQL_PASSWORD
PORT="${DB_PORT:-5432}"
SCHEMA=/etc/temporal/schema/postgresql/v12

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$PORT" -u "$POSTGRES_USER" "$@"
}

for db in temporal:temporal temporal_visibility:visibility; do
  name=${db%%:*}
  dir=$SCHEMA/${db##*:}/versioned
  # create-database fails when the database exists; anything else fails setup-schema below.
  sql --db "$name" create-database 2>/dev/null || echo "database $name exists"
  # Version 0.0 marks an empty database as managed; on a managed one it changes nothing.
  sql --db "$name" setup-schema -v 0.0
  sql --db "$name" update-schema -d "$dir"
  echo "schema of $name is at the version of $dir"
done
