#pragma once
#include <sqlite3.h>

/// Turns off SQLite's memory statistics, which take a global mutex on every allocation (about
/// 3% of a registration's instructions, issue 19). Nothing here reads the statistics or sets a
/// heap limit. `sqlite3_config` is variadic, so Swift cannot call it directly. Only effective
/// before SQLite initialises; afterwards it returns SQLITE_MISUSE and changes nothing.
static inline int sr_sqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
