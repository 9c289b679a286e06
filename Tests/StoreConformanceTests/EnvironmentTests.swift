import Foundation
import Testing

/// CI must not skip PostgreSQL silently: without a server the suite fails there.
@Suite struct EnvironmentTests {
    @Test func postgresIsProvidedInCI() {
        let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
        if inCI && StoreFactory.postgresURL == nil {
            Issue.record("CI=true but SR_TEST_POSTGRES_URL is not set: run scripts/test.sh, which starts PostgreSQL")
        }
        #expect(StoreFactory.all.count == (StoreFactory.postgresURL == nil ? 1 : 2))
    }
}
