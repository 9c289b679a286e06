import CSQLiteRaw
import Foundation
import SQLiteStore
import SchemaRegistryCore

// search-store-bench DB ROUNDS PER_ROUND: SQLiteStore.search on a database that
// search_bench.py filled, beside the same SQL through the sqlite3 C API (prepared once, every
// column of every row read into Swift values, as the store does), rounds alternated. For words
// and prefixes the same SQL ranked by FTS5's bm25() (the store's function before sr_rank) is
// timed too.

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: search-store-bench DB [ROUNDS] [PER_ROUND]")
    exit(2)
}
let path = arguments[1]
let rounds = arguments.count > 2 ? Int(arguments[2])! : 4
let perRound = arguments.count > 3 ? Int(arguments[3])! : 200

/// The vocabulary search_bench.py draws from: read back from the indexed field names.
func vocabulary(_ db: OpaquePointer) -> [String] {
    var statement: OpaquePointer?
    sqlite3_prepare_v2(db, "SELECT fields FROM search_documents LIMIT 2000", -1, &statement, nil)
    var words = Set<String>()
    while sqlite3_step(statement) == SQLITE_ROW {
        let text = String(cString: sqlite3_column_text(statement, 0))
        for token in text.split(whereSeparator: { $0 == " " || $0 == "_" }) { words.insert(String(token)) }
    }
    sqlite3_finalize(statement)
    return words.sorted()
}

final class Raw {
    let db: OpaquePointer
    var statements: [String: OpaquePointer] = [:]
    init(path: String) {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil) == SQLITE_OK, let handle else {
            fatalError("cannot open \(path)")
        }
        db = handle
    }

    /// Runs `sql` and reads every column of every row as the store's decoding would.
    func run(_ sql: String, _ texts: [String]) -> Int {
        let statement: OpaquePointer
        if let cached = statements[sql] {
            statement = cached
        } else {
            var prepared: OpaquePointer?
            guard sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil) == SQLITE_OK,
                let prepared
            else { fatalError(String(cString: sqlite3_errmsg(db))) }
            statements[sql] = prepared
            statement = prepared
        }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (index, text) in texts.enumerated() { sqlite3_bind_text(statement, Int32(index + 1), text, -1, transient) }
        var rows = 0
        while sqlite3_step(statement) == SQLITE_ROW {
            for column in 0..<sqlite3_column_count(statement) {
                if sqlite3_column_type(statement, column) == SQLITE_TEXT {
                    _ = String(cString: sqlite3_column_text(statement, column))
                } else {
                    _ = sqlite3_column_int64(statement, column)
                }
            }
            rows += 1
        }
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        return rows
    }
}

let columns = "sv.subject, sv.version, sv.deleted, sv.metadata, sv.tags, s.id, s.schema_type, s.canonical, s.refs"
let rawSubjectPrefix = """
    SELECT \(columns) FROM subject_versions sv JOIN schemas s ON s.id = sv.schema_id
    WHERE sv.subject >= ?1 AND sv.subject < ?1 || char(1114111) AND sv.deleted = 0
    ORDER BY sv.subject, sv.version LIMIT 10
    """
func rawWords(_ rank: String) -> String {
    """
    SELECT \(columns) FROM (
        SELECT rowid AS id, \(rank)(search_index, 10.0, 5.0, 3.0, 3.0, 1.0) AS score FROM search_index
        WHERE search_index MATCH ?1 ORDER BY score LIMIT 10) r
    CROSS JOIN search_documents d ON d.id = r.id
    CROSS JOIN subject_versions sv ON sv.subject = d.subject AND sv.version = d.version
    CROSS JOIN schemas s ON s.id = sv.schema_id
    WHERE sv.deleted = 0 ORDER BY r.score, sv.subject, sv.version
    """
}

let store = try SQLiteStore(path: path)
let raw = Raw(path: path)
try SQLiteSearchRank.register(on: raw.db)
let words = vocabulary(raw.db)
var generator = SystemRandomNumberGenerator()
let teams = (0..<50).map { String(format: "team%02d", $0) }
let domains = ["orders", "payments", "customers", "inventory", "shipping", "billing", "identity", "catalog"]

enum Kind: String, CaseIterable { case subjectPrefix = "subject-prefix", word, prefix }

func value(_ kind: Kind) -> String {
    switch kind {
    case .subjectPrefix: "\(teams.randomElement(using: &generator)!).\(domains.randomElement(using: &generator)!)."
    case .word: words.randomElement(using: &generator)!
    case .prefix: String(words.randomElement(using: &generator)!.prefix(4)) + "*"
    }
}

func query(_ kind: Kind, _ value: String) -> SearchQuery {
    kind == .subjectPrefix ? SearchQuery(subjectPrefix: value, limit: 10) : SearchQuery(words: value, limit: 10)
}

func rawCall(_ kind: Kind, _ value: String, rank: String = SQLiteSearchRank.name) -> Int {
    switch kind {
    case .subjectPrefix: raw.run(rawSubjectPrefix, [value])
    case .word, .prefix: raw.run(rawWords(rank), [SearchWords(value).fts5Expression])
    }
}

func nanoseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
}

var ours: [Kind: [Double]] = [:]
var theirs: [Kind: [Double]] = [:]
var bm25: [Kind: [Double]] = [:]
let clock = ContinuousClock()
// SEARCH_BENCH_KINDS=subject-prefix,word: only those kinds (to profile one with perf).
let kinds =
    ProcessInfo.processInfo.environment["SEARCH_BENCH_KINDS"].map {
        $0.split(separator: ",").compactMap { Kind(rawValue: String($0)) }
    } ?? Kind.allCases
for round in 0..<rounds {
    for kind in kinds {
        let values = (0..<perRound).map { _ in value(kind) }
        let sides = kind == .subjectPrefix ? [0, 1] : [0, 1, 2]
        for side in (round % 2 == 0 ? sides : sides.reversed()) {
            for value in values {
                if side == 0 {
                    let start = clock.now
                    let found = try await store.search(query(kind, value))
                    ours[kind, default: []].append(nanoseconds(clock.now - start))
                    precondition(found.count <= 10)
                } else if side == 1 {
                    let start = clock.now
                    _ = rawCall(kind, value)
                    theirs[kind, default: []].append(nanoseconds(clock.now - start))
                } else {
                    let start = clock.now
                    _ = rawCall(kind, value, rank: "bm25")
                    bm25[kind, default: []].append(nanoseconds(clock.now - start))
                }
            }
        }
    }
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((p / 100 * Double(sorted.count - 1)).rounded()))]
}
print(
    "| kind (store level, SQLite) | queries | SQLiteStore.search p50 / p99 ms "
        + "| SQL by hand (C API) p50 / p99 ms | speed vs SQL (p50) | the SQL with bm25() p50 / p99 ms |")
print("|---|---|---|---|---|---|")
for kind in kinds {
    let a = ours[kind]!, b = theirs[kind]!
    let ms = { (value: Double) in String(format: "%.3f", value / 1e6) }
    print(
        "| \(kind.rawValue) | \(a.count) | \(ms(percentile(a, 50))) / \(ms(percentile(a, 99))) | "
            + "\(ms(percentile(b, 50))) / \(ms(percentile(b, 99))) | "
            + String(format: "%.2fx | ", percentile(b, 50) / percentile(a, 50))
            + (bm25[kind].map { "\(ms(percentile($0, 50))) / \(ms(percentile($0, 99))) |" } ?? "|"))
}
try await store.close()
