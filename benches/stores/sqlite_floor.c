/* The SQLite registration floor (issue 19): THREADS threads, each with its own connection to one
 * database file in WAL mode with synchronous=FULL (the settings of SQLiteStore's writer), each
 * committing one INSERT per IMMEDIATE transaction for SECONDS seconds. Every commit is durable
 * (the WAL is fsynced before COMMIT returns), so commits/s is what one-durable-transaction-per-
 * registration costs on this disk; beating it needs several registrations per commit.
 *
 *   cc -O2 -o sqlite_floor sqlite_floor.c -lsqlite3 -lpthread
 *   ./sqlite_floor PATH THREADS SECONDS
 * Prints: commits/s, then wall and process CPU seconds. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

static const char *path;
static double seconds;
static double started;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void check(int code, sqlite3 *db, const char *what) {
    if (code != SQLITE_OK && code != SQLITE_DONE && code != SQLITE_ROW) {
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static void *worker(void *arg) {
    long index = (long)arg, commits = 0;
    sqlite3 *db;
    check(sqlite3_open(path, &db), db, "open");
    sqlite3_busy_timeout(db, 5000);
    /* The file is in WAL mode already (main), so this only sets the per-connection sync level. */
    check(sqlite3_exec(db, "PRAGMA synchronous=FULL", 0, 0, 0), db, "pragma");
    sqlite3_stmt *begin, *insert, *commit;
    check(sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, 0), db, "prepare");
    check(sqlite3_prepare_v2(db, "INSERT INTO floor (worker, payload) VALUES (?, ?)", -1, &insert, 0), db, "prepare");
    check(sqlite3_prepare_v2(db, "COMMIT", -1, &commit, 0), db, "prepare");
    /* ~the size of a registration's rows (a small Avro record and its version row). */
    char payload[200];
    while (now() - started < seconds) {
        snprintf(payload, sizeof payload,
                 "{\"type\":\"record\",\"name\":\"R%ld_%ld\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}", index,
                 commits);
        /* BEGIN IMMEDIATE can return BUSY without waiting (WAL recovery, a concurrent first
         * journal_mode switch); the busy handler covers the ordinary lock wait. */
        int code;
        while ((code = sqlite3_step(begin)) == SQLITE_BUSY) sqlite3_reset(begin);
        check(code, db, "begin");
        sqlite3_reset(begin);
        sqlite3_bind_int64(insert, 1, index);
        sqlite3_bind_text(insert, 2, payload, -1, SQLITE_TRANSIENT);
        check(sqlite3_step(insert), db, "insert");
        sqlite3_reset(insert);
        check(sqlite3_step(commit), db, "commit");
        sqlite3_reset(commit);
        commits++;
    }
    sqlite3_finalize(begin);
    sqlite3_finalize(insert);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    return (void *)commits;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s PATH THREADS SECONDS\n", argv[0]);
        return 2;
    }
    path = argv[1];
    int threads = atoi(argv[2]);
    seconds = atof(argv[3]);
    sqlite3 *db;
    check(sqlite3_open(path, &db), db, "open");
    check(sqlite3_exec(db,
                       "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS floor "
                       "(id INTEGER PRIMARY KEY AUTOINCREMENT, worker INTEGER NOT NULL, payload TEXT NOT NULL)",
                       0, 0, 0),
          db, "create");
    sqlite3_close(db);
    pthread_t ids[256];
    if (threads < 1 || threads > 256) return 2;
    started = now();
    for (long i = 0; i < threads; i++) pthread_create(&ids[i], 0, worker, (void *)i);
    long total = 0;
    for (int i = 0; i < threads; i++) {
        void *result;
        pthread_join(ids[i], &result);
        total += (long)result;
    }
    double wall = now() - started;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
    printf("sqlite floor: %d threads, %ld commits in %.2f s: %.0f commits/s (process CPU %.2f s)\n", threads, total, wall,
           total / wall, cpu);
    return 0;
}
