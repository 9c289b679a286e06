import SchemaRegistryCore
import Synchronization

/// Group commit on the writer connection: the writes that queue while the writer is busy run
/// in ONE transaction, each in a savepoint of its own, and are acknowledged together after
/// that transaction's COMMIT returned.
///
/// Why: with `synchronous=FULL` every COMMIT waits for an fsync of the WAL, so one transaction
/// per registration caps registrations at the disk's fsync rate, whatever the CPU (issue 19).
/// One COMMIT per batch pays that wait once for every registration that queued behind it.
///
/// What stays exact:
/// - Order: a batch runs its writes in the order they were submitted, on one connection, so
///   each sees what the ones before it wrote (ids, versions, an identical schema's id), exactly
///   as if they had committed one after the other.
/// - Isolation of failures: a write that throws rolls back to its savepoint; the others keep
///   their work and commit.
/// - Durability: no write's caller resumes before the COMMIT that holds it returned, so an
///   acknowledged write is on disk; if COMMIT fails, every write of the batch fails with it.
final class SQLiteGroupCommit: Sendable {
    /// One submitted write: runs inside the batch's transaction and returns how to answer its
    /// caller once the batch's outcome is known (nil: committed; else the error that lost it).
    private struct Job: Sendable {
        let run: @Sendable (SQLiteConnection) -> @Sendable ((any Error)?) -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private struct Queue {
        var jobs: [Job] = []
        /// Whether a drain is queued on the writer that has not yet taken the jobs.
        var drainQueued = false
    }

    private let writer: SQLiteWorker
    /// Called on the writer after a COMMIT of a transaction that appended to the change log,
    /// before its writes' callers resume, with what it appended: once per batch, not per write.
    private let committedChanges: @Sendable ([Change]) -> Void
    private let queue = Mutex(Queue())
    /// Transactions committed so far (each holds one batch): what tests read to see batching happen.
    let committedBatches = Atomic<Int>(0)

    /// Writes submitted and not yet taken by a drain.
    var queuedCount: Int { queue.withLock { $0.jobs.count } }

    init(writer: SQLiteWorker, committedChanges: @escaping @Sendable ([Change]) -> Void) {
        self.writer = writer
        self.committedChanges = committedChanges
    }

    /// Runs `body` in the next batch transaction and returns its result once that batch committed.
    func submit<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { connection in
                    let result = Self.inSavepoint(connection, body)
                    return { batchError in continuation.resume(with: batchError.map { .failure($0) } ?? result) }
                },
                fail: { continuation.resume(throwing: $0) })
            let queueDrain = queue.withLock { state in
                state.jobs.append(job)
                defer { state.drainQueued = true }
                return !state.drainQueued
            }
            // The writes that arrive while this drain waits for the writer join it; those that
            // arrive while it runs queue the next one.
            if queueDrain { writer.enqueue { self.drain($0) } }
        }
    }

    /// Runs every queued job on the writer's queue, in batches of one transaction each.
    private func drain(_ connection: SQLiteConnection?) {
        let jobs = queue.withLock { state in
            defer { state = Queue() }
            return state.jobs
        }
        guard let connection else {
            jobs.forEach { $0.fail(RegistryError(.storeError, "sqlite: the store is closed")) }
            return
        }
        var next = 0
        while next < jobs.count {
            do {
                try connection.run("BEGIN IMMEDIATE")
            } catch {
                jobs[next...].forEach { $0.fail(error) }
                return
            }
            var answers: [@Sendable ((any Error)?) -> Void] = []
            var lost: (any Error)?
            connection.appendedChanges.removeAll(keepingCapacity: true)
            while next < jobs.count, lost == nil {
                answers.append(jobs[next].run(connection))
                next += 1
                // A job's error may have made SQLite roll back the whole transaction: the jobs
                // before it lost their work too. They fail (nothing of theirs is on disk); the
                // jobs after it start a new transaction.
                if !connection.inTransaction {
                    lost = RegistryError(
                        .storeError, "sqlite: the transaction was rolled back by an error in its batch")
                }
            }
            if let lost {
                answers.forEach { $0(lost) }
                continue
            }
            do {
                try connection.run("COMMIT")
                committedBatches.add(1, ordering: .relaxed)
                if !connection.appendedChanges.isEmpty { committedChanges(connection.appendedChanges) }
                answers.forEach { $0(nil) }
            } catch {
                _ = try? connection.run("ROLLBACK")
                answers.forEach { $0(Self.storeError(error)) }
            }
        }
    }

    /// Runs `body` in a savepoint: released when it returns, rolled back (alone) when it throws,
    /// and then the changes it noted as appended are forgotten with it.
    private static func inSavepoint<T>(
        _ connection: SQLiteConnection, _ body: (SQLiteConnection) throws -> T
    ) -> Result<T, any Error> {
        let appendedBefore = connection.appendedChanges.count
        do {
            try connection.run("SAVEPOINT sr_write")
        } catch {
            return .failure(storeError(error))
        }
        do {
            let value = try body(connection)
            try connection.run("RELEASE sr_write")
            return .success(value)
        } catch {
            // Both fail only when the transaction is gone already, which `drain` notices.
            _ = try? connection.run("ROLLBACK TO sr_write")
            _ = try? connection.run("RELEASE sr_write")
            connection.appendedChanges.removeSubrange(appendedBefore...)
            return .failure(storeError(error))
        }
    }

    private static func storeError(_ error: any Error) -> any Error {
        error is RegistryError ? error : RegistryError(.storeError, "sqlite: \(error)")
    }
}
