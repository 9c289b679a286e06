import Foundation
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

/// One server, two doors: what is registered through REST is read through SRP at once and the
/// reverse, and the cached REST read is answered from L1.
@Suite("REST and SRP doors")
struct RESTDoorsTests {
    private static let avro = #"{"type":"record","name":"Door","fields":[{"name":"a","type":"int"}]}"#

    private func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("registered over REST, read over SRP; registered over SRP, read over REST")
    func bothWays() async throws {
        try await withServer({ $0.restPort = 0 }) { server in
            let rest = try #require(server.restPort)
            let body = String(
                decoding: try JSONSerialization.data(withJSONObject: ["schema": Self.avro]), as: UTF8.self)
            let registered = try await httpRequest(port: rest, "POST", "/subjects/door-rest/versions", body: body)
            #expect(registered.status == 200, "\(registered.body)")
            let id = try #require(try json(registered.body)["id"] as? Int)

            let client = server.client()
            let overSRP = try await client.getSchemaById(.with { $0.id = UInt32(id) })
            #expect(overSRP.schema.schema.contains("Door"))
            let latest = try await client.getSchemaByVersion(
                .with {
                    $0.subject = "door-rest"
                    $0.version = -1
                })
            #expect(latest.schema.id == UInt32(id))

            let other = try await client.registerSchema(
                .with {
                    $0.subject = "door-srp"
                    $0.schema = #"{"type":"enum","name":"E","symbols":["A"]}"#
                })
            let overREST = try await httpGet(port: rest, "/subjects/door-srp/versions/1")
            #expect(overREST.status == 200, "\(overREST.body)")
            let version = try json(overREST.body)
            #expect(version["id"] as? Int == Int(other.id))
            #expect(version["subject"] as? String == "door-srp")
            #expect(version["schemaType"] == nil, "Avro leaves schemaType out")
            await client.close()
        }
    }

    @Test("the cached GET /schemas/ids/{id} is an L1 hit and answers the same bytes every time")
    func cachedRead() async throws {
        try await withServer({ $0.restPort = 0 }) { server in
            let rest = try #require(server.restPort)
            let client = server.client()
            let registered = try await client.registerSchema(
                .with {
                    $0.subject = "door-cache"
                    $0.schema = Self.avro
                })
            await client.close()
            let before = server.server.schemas.statistics
            let first = try await httpGet(port: rest, "/schemas/ids/\(registered.id)")
            let second = try await httpGet(port: rest, "/schemas/ids/\(registered.id)")
            #expect(first.status == 200 && second.status == 200)
            #expect(first.body == second.body)
            let answer = try json(first.body)
            #expect((answer["schema"] as? String)?.contains("Door") == true)
            #expect(answer["guid"] is String)
            let after = server.server.schemas.statistics
            #expect(after.hits - before.hits == 2, "registration filled L1: both reads are hits")
            #expect(after.misses == before.misses)
            let missing = try await httpGet(port: rest, "/schemas/ids/999999")
            #expect(missing.status == 404)
            #expect(try json(missing.body)["error_code"] as? Int == 40403)
        }
    }
}
