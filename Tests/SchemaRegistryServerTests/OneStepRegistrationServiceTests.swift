import Foundation
import SchemaFormats
import SchemaRegistryApp
import SchemaRegistryTesting
import TestSupport
import Testing

@testable import SchemaRegistryCore

/// Issue 19: the registry decides a registration inside the store's write
/// (`RegistrationContextWriting`: on SQLite in the writer's job, on PostgreSQL in one batched
/// call for a new subject) when the context is enough, and goes on from that context otherwise.
/// Both ways must keep Confluent's rules: these walk each branch of the decision, on each store.
@Suite("Registry service, one-step registration")
struct OneStepRegistrationServiceTests {
    static let stores = ["sqlite", "postgres"]

    /// `body` with a registry on a fresh store: a SQLite file, or a new PostgreSQL database
    /// (skipped without one, as ExternalService says).
    private func withService(_ kind: String, _ body: (RegistryService, any SchemaStore) async throws -> Void)
        async throws
    {
        let directory = TemporaryDirectory.uniquePath("sr-one-step")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var url = "sqlite"
        if kind == "postgres" {
            guard let base = ExternalService.postgres.url(skipping: "one-step registration on PostgreSQL") else {
                return
            }
            let name = "sr_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
            let psql = try await onOwnThread {
                try ChildProcess.run("psql", [base, "-q", "-c", "CREATE DATABASE \(name)"])
            }
            try #require(psql.status == 0, "psql could not create database \(name): \(psql.errors)")
            url = ExternalService.postgresURL(base, database: name)
        }
        let store = try await StoreOpening.open(store: url, dataDirectory: directory, connections: 4).schemas
        #expect(store is any RegistrationContextWriting)
        do {
            try await body(RegistryService(store: store, formats: SchemaFormatCatalog.standard()), store)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    private func code(_ body: () async throws -> Void) async -> RegistryError.Code? {
        do {
            try await body()
            return nil
        } catch {
            return (error as? RegistryError)?.code
        }
    }

    @Test(arguments: stores) func newAndExistingSchemas(_ kind: String) async throws {
        try await withService(kind) { service, _ in
            let first = try await service.register(.init(subject: "s", text: avroRecord("R")))
            #expect(first.created && first.version == 1)
            let again = try await service.register(.init(subject: "s", text: avroRecord("R")))
            #expect(!again.created && again.id == first.id && again.version == 1)
            let elsewhere = try await service.register(.init(subject: "t", text: avroRecord("R")))
            #expect(elsewhere.created && elsewhere.id == first.id && elsewhere.version == 1)
        }
    }

    @Test(arguments: stores) func laterVersionsAreCheckedAtTheSubjectsLevel(_ kind: String) async throws {
        try await withService(kind) { service, _ in
            _ = try await service.register(.init(subject: "s", text: avroRecord("R", fields: 2)))
            // BACKWARD (the default): a field without a default cannot be added; one can be removed.
            #expect(
                await code { _ = try await service.register(.init(subject: "s", text: avroRecord("R", fields: 3))) }
                    == .incompatibleSchema)
            let second = try await service.register(.init(subject: "s", text: avroRecord("R", fields: 1)))
            #expect(second.created && second.version == 2)
            // NONE checks nothing.
            try await service.setCompatibility(.none, subject: "n")
            _ = try await service.register(.init(subject: "n", text: avroRecord("R", fields: 2)))
            let unchecked = try await service.register(.init(subject: "n", text: avroRecord("R", fields: 3)))
            #expect(unchecked.created && unchecked.version == 2)
            // With every version soft-deleted there is nothing to check against; numbering goes on.
            _ = try await service.register(.init(subject: "d", text: avroRecord("R", fields: 2)))
            _ = try await service.deleteSubject("d", permanent: false)
            let afterDelete = try await service.register(.init(subject: "d", text: avroRecord("R", fields: 3)))
            #expect(afterDelete.created && afterDelete.version == 2)
        }
    }

    @Test(arguments: stores) func modesRefuseBeforeAnythingIsWritten(_ kind: String) async throws {
        try await withService(kind) { service, store in
            try await service.setMode(.readOnly, subject: "ro", force: false)
            #expect(
                await code { _ = try await service.register(.init(subject: "ro", text: avroRecord("R"))) }
                    == .operationNotPermitted)
            #expect(try await store.versions(subject: "ro", includeDeleted: true).isEmpty)
            // READWRITE refuses an id; IMPORT needs one, and checks no compatibility.
            #expect(
                await code { _ = try await service.register(.init(subject: "s", text: avroRecord("R"), id: 7)) }
                    == .operationNotPermitted)
            try await service.setMode(.import, subject: "imp", force: false)
            #expect(
                await code { _ = try await service.register(.init(subject: "imp", text: avroRecord("R"))) }
                    == .operationNotPermitted)
            let imported = try await service.register(
                .init(subject: "imp", text: avroRecord("R", fields: 2), id: 500))
            #expect(imported.id == 500 && imported.version == 1)
            let unchecked = try await service.register(
                .init(subject: "imp", text: avroRecord("R", fields: 3), id: 501, version: 5))
            #expect(unchecked.id == 501 && unchecked.version == 5)
            #expect(try await store.counts() == StoreCounts(schemas: 2, subjects: 1))
            // A global mode applies to a subject without one, new subjects included.
            try await service.setMode(.readOnly, subject: nil, force: false)
            #expect(
                await code { _ = try await service.register(.init(subject: "new", text: avroRecord("N"))) }
                    == .operationNotPermitted)
            #expect(try await store.versions(subject: "new", includeDeleted: true).isEmpty)
        }
    }
}
