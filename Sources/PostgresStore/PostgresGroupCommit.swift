import SchemaRegistryCore
import Synchronization

/// Group commit of the common registration (no references, no import) on PostgreSQL: the
/// registrations that arrive while one batch runs go together in the next, as ONE statement
/// that calls `sr_register_in_context` once per registration, in order (issue 19): either a
/// write the registry decided (`sr_register_unreferenced`), or a registration in its context
/// (read, and written when the context alone decides; `PostgresRegistrationMigration`).
///
/// One statement (`sr_register_batch`) is one implicit transaction: one round trip, one commit
/// and one WAL flush for the whole batch instead of one each. Each call still takes the subject
/// and fingerprint advisory locks of a lone registration (so instances stay serialised
/// together), and runs in order on one snapshot-refreshing connection: a call sees what the
/// calls before it wrote (the same schema gets one id, a second version of a subject follows
/// the first), exactly as if they had committed one after the other. Nobody is answered before
/// the statement returned, i.e. committed. The batch appends its registrations' changes at its
/// end, so it holds the change-log lock only for that append and its COMMIT, and another batch
/// overlaps the rest.
///
/// A batch whose statement fails (an error no registration should raise, a deadlock with
/// another instance's batch) is rolled back as a whole and each of its registrations is then
/// run on its own, so a bad one fails alone. A few batches run at once (`maxRunning`).
final class PostgresGroupCommit: Sendable {
    /// The arguments of one `sr_register_in_context` call, in its parameter order.
    struct Call: Sendable {
        var subject: String
        var type: Int
        var canonical: String
        var fingerprint: String
        var references: String
        var metadata: String
        var tags: String
        var expected: Int?
        /// Set: a registration in its context, with this mode when none is stored.
        var defaultMode: String? = nil

        var parameters: [String?] {
            [
                subject, String(type), canonical, fingerprint, references, metadata, tags, expected.map(String.init),
                defaultMode,
            ]
        }
    }

    /// What one call returned: its head row's `o_outcome`, `o_id`, `o_version`, and all its rows
    /// (the head first; for an undecided registration in context, the context's versions after).
    struct Answer: Sendable {
        var outcome: String
        var id: Int
        var version: Int
        var rows: PostgresRows

        init(rows: PostgresRows) throws {
            guard rows.count > 0, rows.text(0, 0) == "head" else {
                throw RegistryError(.storeError, "postgres: sr_register_in_context returned no head row")
            }
            outcome = rows.text(0, 1)
            id = rows.int(0, 2)
            version = rows.int(0, 3)
            self.rows = rows
        }
    }

    /// The columns of `sr_register_in_context`, in order (see `PostgresRegistrationMigration`).
    static let resultColumns = """
        r.o_kind, r.o_outcome, r.o_id, r.o_version, r.o_subject_mode, r.o_global_mode, r.o_subject_level,
        r.o_global_level, r.o_newest, r.v_subject, r.v_version, r.v_deleted, r.v_metadata, r.v_tags, r.v_id,
        r.v_type, r.v_canonical, r.v_refs
        """

    private struct Pending: Sendable {
        var call: Call
        var continuation: CheckedContinuation<Answer, any Error>
    }

    private struct State {
        var pending: [Pending] = []
        /// Batches running (each a drain task).
        var running = 0
    }

    /// The most registrations in one statement: bounds a batch's time and its parameters' size.
    static let maxBatch = 128

    private let pool: PostgresPool
    /// Called once per committed statement that registered a version, before its callers
    /// resume: this process's observers read the log once per batch, not once per registration.
    private let registered: @Sendable () -> Void
    private let state = Mutex(State())
    /// Batches allowed to run at once. One is not enough: a batch runs its registrations one
    /// after the other in one backend, so with one in flight all of PostgreSQL's work for
    /// registrations used one core; two batches of 8 did 1,200 registrations/s where one did 940
    /// and eight lone calls 820 (pgbench on the 2-core machine, load 6, measured while the search
    /// index was still maintained inside each registration, before 240646b). Batches in flight take their locks in one order, so they cannot deadlock.
    let maxRunning: Int
    /// Statements that committed a batch of several registrations: what tests read to see batching.
    let committedBatches = Atomic<Int>(0)
    /// Batches whose statement failed, so that their registrations ran one by one.
    let failedBatches = Atomic<Int>(0)

    /// Registrations waiting for the next batch (not those of the batch running).
    var pendingCount: Int { state.withLock { $0.pending.count } }

    init(pool: PostgresPool, maxRunning: Int = 2, registered: @escaping @Sendable () -> Void) {
        self.pool = pool
        self.maxRunning = max(1, maxRunning)
        self.registered = registered
    }

    /// Runs `call` in the next batch; returns its row once that batch committed.
    func register(_ call: Call) async throws -> Answer {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Answer, any Error>) in
            let start = state.withLock { state in
                state.pending.append(Pending(call: call, continuation: continuation))
                guard state.running < maxRunning else { return false }
                state.running += 1
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    /// Runs batches until nothing is pending.
    private func drain() async {
        while true {
            let batch = state.withLock { state in
                let taken = Array(state.pending.prefix(Self.maxBatch))
                state.pending.removeFirst(taken.count)
                if taken.isEmpty { state.running -= 1 }
                return taken
            }
            if batch.isEmpty { return }
            if batch.count == 1 {
                let only = batch[0]
                only.continuation.resume(with: await Result { try await self.runAlone(only.call) })
                continue
            }
            do {
                let answers = try await runTogether(batch.map(\.call))
                committedBatches.add(1, ordering: .relaxed)
                if answers.contains(where: { $0.outcome == "registered" }) { registered() }
                for (pending, answer) in zip(batch, answers) { pending.continuation.resume(returning: answer) }
            } catch {
                // Nothing of the batch committed: each registration again, on its own.
                failedBatches.add(1, ordering: .relaxed)
                for pending in batch {
                    pending.continuation.resume(with: await Result { try await self.runAlone(pending.call) })
                }
            }
        }
    }

    private func runAlone(_ call: Call) async throws -> Answer {
        let rows = try await pool.run { connection in
            try connection.query(
                """
                SELECT \(Self.resultColumns) FROM sr_register_in_context(
                    $1::text, $2::integer, $3::text, $4::text, $5::text, $6::jsonb, $7::jsonb, $8::integer, $9::text)
                    WITH ORDINALITY r ORDER BY r.ordinality
                """, call.parameters)
        }
        let answer = try Answer(rows: rows)
        if answer.outcome == "registered" { registered() }
        return answer
    }

    private func runTogether(_ calls: [Call]) async throws -> [Answer] {
        // One array parameter per argument; `sr_register_batch` takes the batch's locks, runs
        // the calls in element order, answers their rows in that order with the call number
        // last, and appends their changes at its end (`PostgresBatchRegistrationMigration`).
        let columns = (0..<9).map { column in Self.arrayLiteral(calls.map { $0.parameters[column] }) }
        let rows = try await pool.run { connection in
            try connection.query(
                """
                SELECT * FROM sr_register_batch($1::text[], $2::integer[], $3::text[], $4::text[], $5::text[],
                                                $6::jsonb[], $7::jsonb[], $8::integer[], $9::text[])
                """, columns)
        }
        // Each call's rows, split on the call number (the last column).
        var groups: [[[String?]]] = []
        for row in 0..<rows.count {
            if row == 0 || rows.int(row, 18) != rows.int(row - 1, 18) { groups.append([]) }
            groups[groups.count - 1].append(rows.rows[row])
        }
        guard groups.count == calls.count else {
            throw RegistryError(
                .storeError, "postgres: a registration batch answered \(groups.count) calls of \(calls.count)")
        }
        return try groups.map { try Answer(rows: PostgresRows(rows: $0)) }
    }

    /// A one-dimensional array in PostgreSQL's text form: every element quoted (so commas,
    /// braces and spaces in schema text are data), backslashes and quotes escaped, nil as NULL.
    /// Built as UTF-8 bytes: appending scalar by scalar to a `String` was 2.8% of the server's
    /// CPU in a PostgreSQL registration profile. Escaping ASCII bytes is enough: no byte of a
    /// multi-byte UTF-8 sequence is ASCII.
    static func arrayLiteral(_ elements: [String?]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(elements.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            guard let element else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(UInt8(ascii: "\""))
            for byte in element.utf8 {
                if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Result where Failure == any Error {
    /// The result of an async throwing call.
    fileprivate init(_ body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
