// PostgresStore: work in progress (issue 4).
