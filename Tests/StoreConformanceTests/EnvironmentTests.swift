import Foundation
import SchemaRegistryTesting
import TestSupport
import Testing

/// CI must not skip PostgreSQL or Redis silently: without a server the suite fails there.
@Suite struct EnvironmentTests {
    @Test func postgresAndRedisAreProvidedInCI() {
        _ = ExternalService.postgres.url(skipping: "the store conformance suite against PostgreSQL")
        _ = ExternalService.redis.url(skipping: "the store conformance suite behind Redis")
        let stores = StoreFactory.local.count + (StoreFactory.postgresURL == nil ? 0 : 1)
        #expect(StoreFactory.all.count == stores * (StoreFactory.redisURL == nil ? 1 : 2))
    }
}
