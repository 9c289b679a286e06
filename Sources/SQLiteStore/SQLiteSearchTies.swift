/// Visits a run of ranked matches with equal scores in subject and version order (issue 19).
///
/// The index gives each match's rowid and score only; its subject is in `search_documents`.
/// Two ways to order a run of `G` tied matches, of `N` documents, when `k` more results are
/// needed:
/// - look up each match's subject (`search_documents_order`, ~1.3 us each) and sort: ~G lookups;
/// - walk every document in subject order (the UNIQUE index, ~0.1 us a row) and visit the
///   matches of the run as they come, stopping once the page is full: ~k * N / G rows when the
///   tied matches are spread evenly over the subjects.
/// A word in 1% of 100k versions ties ~900 matches: ~1,100 rows walked instead of 900 lookups.
/// A small run (or one whose every match is needed) is looked up. Either way the order is
/// exactly (subject bytewise, version), the order of both indexes.
struct SQLiteSearchTies {
    let connection: SQLiteConnection
    /// The search's subject prefix as a range of `subject`: a walk reads only that range (a
    /// match outside it fails the search's filters anyway).
    let range: (sql: String, bindings: [SQLiteValue])
    /// The highest document id (about how many documents there are), read at the first run
    /// that needs it.
    private var documents: Int?

    init(connection: SQLiteConnection, subjectPrefix: String) {
        self.connection = connection
        self.range = SQLiteStore.prefixRange("subject", subjectPrefix)
    }

    /// A walked row costs about 1/15 of a lookup (measured on 100k, release).
    static let lookupCostInWalkedRows = 15

    /// Calls `visit` with the run's rowids in (subject, version) order until it returns true
    /// (the page is full); returns whether it did.
    mutating func visit(_ run: [Int], needed: Int, _ visit: (Int) throws -> Bool) throws -> Bool {
        if run.count == 1 { return try visit(run[0]) }
        let documents =
            try self.documents
            ?? connection.firstRow("SELECT max(id) FROM search_documents") { $0.isNull(0) ? 0 : $0.int(0) } ?? 0
        self.documents = documents
        // Walking: needed * documents / run.count rows; looking up: run.count lookups.
        if needed * documents < Self.lookupCostInWalkedRows * run.count * run.count {
            return try walk(run, visit)
        }
        var keyed: [(subject: String, version: Int, id: Int)] = []
        keyed.reserveCapacity(run.count)
        for id in run {
            try connection.query(
                "SELECT subject, version FROM search_documents INDEXED BY search_documents_order WHERE id = ?",
                [.int(id)]
            ) { row in
                keyed.append((row.text(0), row.int(1), id))
                return false
            }
        }
        keyed.sort { left, right in
            if left.subject != right.subject { return left.subject.utf8.lexicographicallyPrecedes(right.subject.utf8) }
            return left.version < right.version
        }
        for match in keyed where try visit(match.id) { return true }
        return false
    }

    /// Walks the documents in subject order, visiting the run's members as they come.
    private func walk(_ run: [Int], _ visit: (Int) throws -> Bool) throws -> Bool {
        var members = Set(run)
        var full = false
        try connection.query(
            """
            SELECT id FROM search_documents INDEXED BY sqlite_autoindex_search_documents_1
            WHERE \(range.sql) ORDER BY subject, version
            """, range.bindings
        ) { row in
            guard members.remove(row.int(0)) != nil else { return true }
            full = try visit(row.int(0))
            return !full && !members.isEmpty
        }
        return full
    }
}
