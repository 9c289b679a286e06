import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps Foundation's `Process.run()` apart from tests that open many descriptors.
///
/// On Linux, `Process.run()` lists /proc/self/fd and copies each entry's whole 256-byte
/// `d_name`, reading past the end of glibc's 32 KiB directory buffer once about 1,350
/// descriptors are open: the test process died of SIGSEGV in `Process.run()` (a CLI test)
/// while the 1,000-connection abuse test had ~2,000 sockets open. So a spawn waits while a
/// descriptor-heavy test runs, and such a test waits until no spawn is in progress.
/// (posix_spawn itself, as in `shell(_:)`, lists nothing and needs no gate.)
final class DescriptorGate: Sendable {
    static let shared = DescriptorGate()

    private struct State {
        var spawning = 0
        var heavy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `spawn` (a `Process.run()`) when no descriptor-heavy test is running.
    func spawning<T>(_ spawn: () throws -> T) async rethrows -> T {
        await acquire(when: { !$0.heavy }, take: { $0.spawning += 1 })
        defer { release { $0.spawning -= 1 } }
        return try spawn()
    }

    /// The same, blocking: only for threads of their own (never the cooperative pool).
    func spawningOnThisThread<T>(_ spawn: () throws -> T) rethrows -> T {
        // Bounded: a heavy test holds the gate for seconds; give up waiting after a minute.
        for _ in 0..<6000 {
            let taken = state.withLock { state in
                guard !state.heavy else { return false }
                state.spawning += 1
                return true
            }
            if taken {
                defer { release { $0.spawning -= 1 } }
                return try spawn()
            }
            usleep(10_000)
        }
        return try spawn()
    }

    /// Runs `body` with no spawn in progress and none starting.
    func withManyDescriptors<T>(_ body: () async throws -> T) async rethrows -> T {
        await acquire(when: { !$0.heavy && $0.spawning == 0 }, take: { $0.heavy = true })
        defer { release { $0.heavy = false } }
        return try await body()
    }

    private func acquire(when ready: @escaping (State) -> Bool, take: @escaping (inout State) -> Void) async {
        while true {
            var acquired = false
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state in
                    if ready(state) {
                        take(&state)
                        return true
                    }
                    state.waiters.append(continuation)
                    return false
                }
                if now {
                    acquired = true
                    continuation.resume()
                }
            }
            if acquired { return }
        }
    }

    private func release(_ change: (inout State) -> Void) {
        let waiters = state.withLock { state in
            change(&state)
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
