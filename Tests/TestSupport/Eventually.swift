/// Waits for something another thread or process makes true: polls `condition` every
/// `interval` until it holds, or gives up after `timeout`.
///
/// The timeout is a bound for a broken build, never a verdict on speed: a condition that holds
/// on a quiet machine in 50 ms may take seconds on a loaded one, and the wait ends as soon as it
/// holds. So it is generous (a minute by default); tests assert the outcome, not how long it took.
public func eventually(
    timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if try await condition() { return true }
        if clock.now >= deadline { return false }
        try? await Task.sleep(for: interval)
    }
}
