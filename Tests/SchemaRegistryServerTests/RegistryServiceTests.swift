import Foundation
import SQLiteStore
import SchemaFormats
import SchemaRegistryTesting
import TestSupport
import Testing

@testable import SchemaRegistryCore

/// RegistryService rules that need no socket, on a real SQLite file.
@Suite("Registry service")
struct RegistryServiceTests {
    private func withService(
        formats: [SchemaType: any SchemaFormat], _ body: (RegistryService) async throws -> Void
    ) async throws {
        let directory = TemporaryDirectory.uniquePath("sr-service")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(path: directory + "/registry.db")
        try await body(RegistryService(store: store, formats: formats))
        try await store.close()
    }

    /// A format without a checker cannot enforce a level: registration says so, by name.
    @Test func levelWithoutAChecker() async throws {
        try await withService(formats: [.json: JSONDocumentFormat(type: .json)]) { service in
            _ = try await service.register(.init(subject: "s", type: .json, text: #"{"type":"string"}"#))
            await #expect {
                _ = try await service.register(.init(subject: "s", type: .json, text: #"{"type":"integer"}"#))
            } throws: { error in
                let error = error as? RegistryError
                return error?.code == .compatibilityCheckerMissing && error?.message.contains("JSON") == true
                    && error?.message.contains("NONE") == true
            }
            // NONE needs no checker.
            try await service.setCompatibility(.none, subject: "s")
            let second = try await service.register(.init(subject: "s", type: .json, text: #"{"type":"integer"}"#))
            #expect(second.version == 2)
        }
    }

    /// ValidatePayload compiles a schema once and validates every later payload against the
    /// compiled form, with the same verdicts; a permanent delete drops it.
    @Test func validationCompilesEachSchemaOnce() async throws {
        try await withService(formats: SchemaFormatCatalog.standard()) { service in
            let registered = try await service.register(
                .init(
                    subject: "people", type: .json,
                    text: #"{"type":"object","properties":{"age":{"type":"integer","minimum":0}},"required":["age"]}"#))
            let stored = try await service.schema(id: registered.id)
            #expect(service.parsedSchemas.usage.entries == 0)
            for _ in 0..<3 {
                #expect(try await service.validate(payload: Array(#"{"age": 3}"#.utf8), schema: stored).isEmpty)
                let errors = try await service.validate(payload: Array(#"{"age": -1}"#.utf8), schema: stored)
                #expect(errors.count == 1 && errors.first?.instanceLocation == "/age")
            }
            #expect(service.parsedSchemas.usage.entries == 1)
            _ = try await service.deleteSubject("people", permanent: false)
            _ = try await service.deleteSubject("people", permanent: true)
            #expect(service.parsedSchemas.usage.entries == 0)
        }
    }

    @Test func protobufSchemasAreCompiledWithLocatedErrors() async throws {
        try await withService(formats: SchemaFormatCatalog.standard()) { service in
            await #expect {
                _ = try await service.register(
                    .init(subject: "p", type: .protobuf, text: "syntax = \"proto3\"; message"))
            } throws: { error in
                (error as? RegistryError)?.code == .invalidSchema && "\(error)".contains("schema.proto:1:")
            }
            let registered = try await service.register(
                .init(subject: "p", type: .protobuf, text: "syntax = \"proto3\"; message P { int32 x = 1; }"))
            #expect(registered.version == 1)
        }
    }

    @Test func oversizedSchemaIsRefused() async throws {
        try await withService(formats: SchemaFormatCatalog.standard()) { service in
            let huge =
                #"{"type":"record","name":"R","doc":""# + String(repeating: "x", count: 2 << 20)
                + #"","fields":[]}"#
            await #expect {
                _ = try await service.register(.init(subject: "big", text: huge))
            } throws: { error in
                (error as? RegistryError)?.code == .invalidSchema && "\(error)".contains("exceeds the limit")
            }
        }
    }
}
