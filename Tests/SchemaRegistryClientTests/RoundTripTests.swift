import Foundation
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

@Suite("Registry round trips through the Swift client")
struct RoundTripTests {
    @Test func registerGetLookupListDelete() async throws {
        try await withServer { server in
            let client = server.client()
            defer { Task { await client.close() } }
            let text = avroRecord("User")
            let first = try await client.registerSchema(
                .with {
                    $0.subject = "users-value"
                    $0.schema = text
                })
            #expect(first.id > 0 && first.version == 1 && first.created)

            // Re-registering is idempotent; whitespace does not change identity.
            let again = try await client.registerSchema(
                .with {
                    $0.subject = "users-value"
                    $0.schema = text.replacingOccurrences(of: ",", with: ", ")
                })
            #expect(again.id == first.id && again.version == 1 && !again.created)

            // The same schema under another subject shares the id.
            let other = try await client.registerSchema(
                .with {
                    $0.subject = "accounts-value"
                    $0.schema = text
                })
            #expect(other.id == first.id && other.version == 1)

            let fetched = try await client.getSchemaById(.with { $0.id = first.id })
            #expect(fetched.schema.id == first.id && fetched.schema.schema.contains("User"))

            let second = try await client.registerSchema(
                .with {
                    $0.subject = "users-value"
                    $0.schema = avroRecord("User", fields: 3)
                })
            #expect(second.version == 2 && second.id != first.id)

            let latest = try await client.getSchemaByVersion(
                .with {
                    $0.subject = "users-value"
                    $0.version = -1
                })
            #expect(latest.schema.version == 2)

            let found = try await client.lookupSchema(
                .with {
                    $0.subject = "users-value"
                    $0.schema = text
                })
            #expect(found.schema.version == 1 && found.schema.id == first.id)

            let usedBy = try await client.getSubjectVersionsById(.with { $0.id = first.id })
            #expect(usedBy.subjectVersions.map(\.subject) == ["accounts-value", "users-value"])

            let subjects = try await client.listSubjects(.init())
            #expect(subjects.subjects == ["accounts-value", "users-value"])

            // Soft delete hides version 1 unless asked; permanent delete only after soft.
            let permanentFirst = await #expect(throws: SchemaRegistryClientError.self) {
                try await client.deleteVersion(
                    .with {
                        $0.subject = "users-value"
                        $0.version = 1
                        $0.permanent = true
                    })
            }
            #expect(permanentFirst?.registryErrorCode == 40407)
            _ = try await client.deleteVersion(
                .with {
                    $0.subject = "users-value"
                    $0.version = 1
                })
            #expect(try await client.listVersions(.with { $0.subject = "users-value" }).versions == [2])
            #expect(
                try await client.listVersions(
                    .with {
                        $0.subject = "users-value"
                        $0.includeDeleted = true
                    }
                ).versions == [1, 2])
            let hidden = await #expect(throws: SchemaRegistryClientError.self) {
                try await client.getSchemaByVersion(
                    .with {
                        $0.subject = "users-value"
                        $0.version = 1
                    })
            }
            #expect(hidden?.registryErrorCode == 40402)
            _ = try await client.deleteVersion(
                .with {
                    $0.subject = "users-value"
                    $0.version = 1
                    $0.permanent = true
                })
            #expect(
                try await client.listVersions(
                    .with {
                        $0.subject = "users-value"
                        $0.includeDeleted = true
                    }
                ).versions == [2])

            // Whole subject: soft, then permanent.
            #expect(try await client.deleteSubject(.with { $0.subject = "accounts-value" }).versions == [1])
            #expect(try await client.listSubjects(.init()).subjects == ["users-value"])
            #expect(
                try await client.deleteSubject(
                    .with {
                        $0.subject = "accounts-value"
                        $0.permanent = true
                    }
                ).versions == [1])
            let gone = await #expect(throws: SchemaRegistryClientError.self) {
                try await client.getSchemaById(.with { $0.id = first.id })
            }
            #expect(gone?.registryErrorCode == 40403)
        }
    }

    @Test func configAndModes() async throws {
        try await withServer { server in
            let client = server.client()
            defer { Task { await client.close() } }
            #expect(try await client.getConfig(.init()).compatibility == .none)
            _ = try await client.setConfig(.with { $0.compatibility = .fullTransitive })
            #expect(try await client.getConfig(.init()).compatibility == .fullTransitive)
            _ = try await client.setConfig(
                .with {
                    $0.subject = "s"
                    $0.compatibility = .none
                })
            #expect(try await client.getConfig(.with { $0.subject = "s" }).compatibility == .none)
            let unset = await #expect(throws: SchemaRegistryClientError.self) {
                try await client.getConfig(.with { $0.subject = "t" })
            }
            #expect(unset?.registryErrorCode == 40408)
            #expect(
                try await client.getConfig(
                    .with {
                        $0.subject = "t"
                        $0.defaultToGlobal = true
                    }
                ).compatibility == .fullTransitive)
            #expect(try await client.deleteConfig(.with { $0.subject = "s" }).compatibility == .none)

            // Under the inherited FULL_TRANSITIVE, an unrelated record is refused as incompatible.
            _ = try await client.registerSchema(
                .with {
                    $0.subject = "t"
                    $0.schema = avroRecord("A")
                })
            let incompatible = await #expect(throws: SchemaRegistryClientError.self) {
                try await client.registerSchema(
                    .with {
                        $0.subject = "t"
                        $0.schema = avroRecord("B")
                    })
            }
            #expect(incompatible?.registryErrorCode == 40901)

            _ = try await client.setMode(.with { $0.mode = .readonly })
            let readOnly = await #expect(throws: SchemaRegistryClientError.self) {
                try await client.registerSchema(
                    .with {
                        $0.subject = "u"
                        $0.schema = avroRecord("C")
                    })
            }
            #expect(readOnly?.registryErrorCode == 42205)
            _ = try await client.setMode(
                .with {
                    $0.subject = "u"
                    $0.mode = .readwrite
                })
            _ = try await client.registerSchema(
                .with {
                    $0.subject = "u"
                    $0.schema = avroRecord("C")
                })
            #expect(try await client.getMode(.with { $0.subject = "u" }).mode == .readwrite)
            #expect(try await client.getMode(.init()).mode == .readonly)

            // IMPORT keeps the given id and refuses registrations without one.
            _ = try await client.setMode(
                .with {
                    $0.subject = "imported"
                    $0.mode = .import
                })
            let imported = try await client.registerSchema(
                .with {
                    $0.subject = "imported"
                    $0.schema = avroRecord("Imported")
                    $0.id = 5000
                    $0.version = 7
                })
            #expect(imported.id == 5000 && imported.version == 7)
            let noID = await #expect(throws: SchemaRegistryClientError.self) {
                try await client.registerSchema(
                    .with {
                        $0.subject = "imported"
                        $0.schema = avroRecord("Other")
                    })
            }
            #expect(noID?.registryErrorCode == 42205)
        }
    }

    @Test func invalidSchemaAndReferences() async throws {
        try await withServer { server in
            let client = server.client()
            defer { Task { await client.close() } }
            let invalid = await #expect(throws: SchemaRegistryClientError.self) {
                try await client.registerSchema(
                    .with {
                        $0.subject = "bad"
                        $0.schema = "{not json"
                    })
            }
            #expect(invalid?.registryErrorCode == 42201)

            let base = try await client.registerSchema(
                .with {
                    $0.subject = "address"
                    $0.schema = avroRecord("Address")
                })
            let user = try await client.registerSchema(
                .with {
                    $0.subject = "person"
                    $0.schema = #"{"type":"record","name":"Person","fields":[{"name":"a","type":"Address"}]}"#
                    $0.references = [
                        .with {
                            $0.name = "Address"
                            $0.subject = "address"
                            $0.version = 1
                        }
                    ]
                })
            #expect(user.id != base.id)
            let fetched = try await client.getSchemaById(.with { $0.id = user.id })
            #expect(fetched.schema.references.first?.subject == "address")

            // A referenced version cannot be deleted.
            let referenced = await #expect(throws: SchemaRegistryClientError.self) {
                try await client.deleteVersion(
                    .with {
                        $0.subject = "address"
                        $0.version = 1
                    })
            }
            #expect(referenced?.registryErrorCode == 42206)

            let dangling = await #expect(throws: SchemaRegistryClientError.self) {
                try await client.registerSchema(
                    .with {
                        $0.subject = "x"
                        $0.schema = avroRecord("X")
                        $0.references = [
                            .with {
                                $0.name = "Nope"
                                $0.subject = "missing"
                                $0.version = 1
                            }
                        ]
                    })
            }
            #expect(dangling?.registryErrorCode == 42201)
        }
    }

    @Test func searchBatchCheckAndInfo() async throws {
        try await withServer { server in
            let client = server.client()
            defer { Task { await client.close() } }
            var ids: [UInt32] = []
            for (index, team) in ["payments", "payments", "search"].enumerated() {
                ids.append(
                    try await client.registerSchema(
                        .with {
                            $0.subject = "\(team)-\(index)"
                            $0.schema = avroRecord("Event\(index)", seed: index)
                            $0.metadata = ["owner": team]
                            $0.tags = index == 0 ? ["pii"] : []
                        }
                    ).id)
            }
            let byOwner = try await client.searchSchemas(.with { $0.metadata = ["owner": "payments"] })
            #expect(byOwner.results.map(\.subject) == ["payments-0", "payments-1"])
            #expect(byOwner.results.first?.metadata["owner"] == "payments")
            let byTag = try await client.searchSchemas(.with { $0.tags = ["pii"] })
            #expect(byTag.results.map(\.subject) == ["payments-0"])
            let byText = try await client.searchSchemas(.with { $0.text = "Event2" })
            #expect(byText.results.map(\.id) == [ids[2]])
            let byPrefix = try await client.searchSchemas(
                .with {
                    $0.subjectPrefix = "pay"
                    $0.pageSize = 1
                })
            #expect(byPrefix.results.count == 1 && !byPrefix.nextPageToken.isEmpty)
            let nextPage = try await client.searchSchemas(
                .with {
                    $0.subjectPrefix = "pay"
                    $0.pageSize = 1
                    $0.pageToken = byPrefix.nextPageToken
                })
            #expect(nextPage.results.map(\.subject) == ["payments-1"])

            let batch = try await client.getSchemasByIds(.with { $0.ids = [ids[1], 999_999, ids[0]] })
            #expect(batch.schemas.map(\.id) == [ids[1], ids[0]])
            #expect(batch.missingIds == [999_999])

            let check = try await client.checkCompatibility(
                .with {
                    $0.subject = "payments-0"
                    $0.schema = avroRecord("Event0", fields: 3)
                    $0.verbose = true
                })
            #expect(check.isCompatible && check.level == .none)

            let info = try await client.serverInfo(.init())
            #expect(info.store == "sqlite" && info.schemaCount == 3 && info.subjectCount == 3)
            #expect(info.schemaTypes == [.avro, .json, .protobuf])

            let paged = try await client.listSubjects(.with { $0.pageSize = 2 })
            #expect(paged.subjects == ["payments-0", "payments-1"] && paged.nextPageToken == "payments-1")
            let rest = try await client.listSubjects(
                .with {
                    $0.pageSize = 2
                    $0.pageToken = paged.nextPageToken
                })
            #expect(rest.subjects == ["search-2"] && rest.nextPageToken.isEmpty)

            let ping = try await client.ping(.with { $0.payload = Data([1, 2]) })
            #expect(ping.payload == Data([1, 2]))
        }
    }
}
