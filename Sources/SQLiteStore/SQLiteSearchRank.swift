import CSQLite
import Foundation

/// `sr_rank`, the FTS5 ranking function of ranked search (issue 19): FTS5's own bm25 formula
/// with its length normalisation turned off (`b = 0`).
///
/// Why not `bm25()`: for every match it reads the version's column sizes from the index's
/// `docsize` table (one B-tree lookup per match), and that lookup was ~75% of a ranked query
/// with ~1,000 matches (CPU per query on 100k versions: bm25 2.1 ms for a word, 3.4 ms for a
/// 4-letter prefix; this function 0.6 / 1.0 ms; only the rowids 0.4 / 0.6 ms). Without the
/// length term a match counts the same in a long schema as in a short one, which is also what
/// PostgreSQL's `ts_rank` does by default, so the two stores now agree on more than clear cases.
///
/// For each phrase of the query: `F` = the sum of the column weights of its instances in the
/// version; `idf` = `log((N - n + 0.5) / (n + 0.5))` (N versions, n of them matching the
/// phrase; 1e-6 when not positive, as bm25). Score = `-(sum of idf * F * (k1 + 1) / (F + k1))`,
/// k1 = 1.2: negative like bm25's, so ascending order is best first.
///
/// Called as `sr_rank(search_index, w1, w2, ...)`, one weight per column (missing ones are 1).
public enum SQLiteSearchRank {
    /// The function's SQL name.
    public static let name = "sr_rank"

    /// Registers `sr_rank` on a connection (functions live per connection, not in the file).
    /// Every `SQLiteStore` connection has it; public for tools that open the file with their
    /// own sqlite3 handle and run the same ranked SQL (benches/search).
    public static func register(on db: OpaquePointer) throws {
        var api: UnsafeMutablePointer<fts5_api>?
        var statement: OpaquePointer?
        // The documented way to reach FTS5's API: `SELECT fts5(?1)` writes it through a bound pointer.
        guard sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &statement, nil) == SQLITE_OK else {
            throw SQLiteConnection.error("fts5 is not available: \(String(cString: sqlite3_errmsg(db)))", SQLITE_ERROR)
        }
        defer { sqlite3_finalize(statement) }
        withUnsafeMutablePointer(to: &api) { pointer in
            // The type name must outlive the step: a static string's storage does.
            _ = sqlite3_bind_pointer(statement, 1, pointer, pointerType.utf8Start, nil)
            _ = sqlite3_step(statement)
        }
        guard let api, let create = api.pointee.xCreateFunction else {
            throw SQLiteConnection.error("fts5 API not found", SQLITE_ERROR)
        }
        let code = create(api, name, nil, rank, nil)
        guard code == SQLITE_OK else { throw SQLiteConnection.error("cannot register \(name)", code) }
    }

    private static let pointerType: StaticString = "fts5_api_ptr"

    /// bm25's k1.
    private static let k1 = 1.2

    /// The per-query constants, computed at the first match and kept as the query's aux data:
    /// each phrase's idf, then each column's weight.
    private static func constants(
        _ api: UnsafePointer<Fts5ExtensionApi>, _ context: OpaquePointer,
        _ values: UnsafeMutablePointer<OpaquePointer?>?,
        _ valueCount: Int, phrases: Int, columns: Int
    ) -> UnsafeMutablePointer<Double>? {
        let api = api.pointee
        var rows: sqlite3_int64 = 0
        guard api.xRowCount!(context, &rows) == SQLITE_OK else { return nil }
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: phrases + columns)
        for phrase in 0..<phrases {
            var hits: sqlite3_int64 = 0
            // Counts the versions that match this phrase (the whole query's other terms aside).
            let code = api.xQueryPhrase!(context, Int32(phrase), &hits) { _, _, user in
                user!.assumingMemoryBound(to: sqlite3_int64.self).pointee += 1
                return SQLITE_OK
            }
            guard code == SQLITE_OK else {
                buffer.deallocate()
                return nil
            }
            let idf = Foundation.log((Double(rows) - Double(hits) + 0.5) / (Double(hits) + 0.5))
            buffer[phrase] = idf > 0 ? idf : 1e-6
        }
        for column in 0..<columns {
            buffer[phrases + column] = column < valueCount ? sqlite3_value_double(values![column]) : 1
        }
        guard api.xSetAuxdata!(context, buffer, { $0?.deallocate() }) == SQLITE_OK else { return nil }
        return buffer
    }

    /// The auxiliary function itself (an FTS5 `fts5_extension_function`).
    private static let rank: fts5_extension_function = { api, context, result, valueCount, values in
        guard let api, let context else { return }
        let phrases = Int(api.pointee.xPhraseCount!(context))
        let columns = Int(api.pointee.xColumnCount!(context))
        let cached = api.pointee.xGetAuxdata!(context, 0)?.assumingMemoryBound(to: Double.self)
        guard
            let constants = cached
                ?? constants(api, context, values, Int(valueCount), phrases: phrases, columns: columns)
        else {
            sqlite3_result_error(result, "\(name): cannot read the index", -1)
            return
        }
        var score = 0.0
        for phrase in 0..<phrases {
            // F: the weights of the columns of every instance of the phrase in this version.
            var frequency = 0.0
            var iterator = Fts5PhraseIter()
            var column: Int32 = 0
            var offset: Int32 = 0
            _ = api.pointee.xPhraseFirst!(context, Int32(phrase), &iterator, &column, &offset)
            while column >= 0 {
                if Int(column) < columns { frequency += constants[phrases + Int(column)] }
                api.pointee.xPhraseNext!(context, &iterator, &column, &offset)
            }
            score += constants[phrase] * frequency * (k1 + 1) / (frequency + k1)
        }
        sqlite3_result_double(result, -score)
    }
}
