import Foundation
import Testing

/// CI must not skip PostgreSQL or Redis silently: without a server the suite fails there.
@Suite struct EnvironmentTests {
    @Test func postgresAndRedisAreProvidedInCI() {
        let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
        if inCI && StoreFactory.postgresURL == nil {
            Issue.record("CI=true but SR_TEST_POSTGRES_URL is not set: run scripts/test.sh, which starts PostgreSQL")
        }
        if inCI && StoreFactory.redisURL == nil {
            Issue.record("CI=true but SR_TEST_REDIS_URL is not set: run scripts/test.sh, which starts Redis")
        }
        let stores = StoreFactory.postgresURL == nil ? 1 : 2
        #expect(StoreFactory.all.count == stores * (StoreFactory.redisURL == nil ? 1 : 2))
    }
}
