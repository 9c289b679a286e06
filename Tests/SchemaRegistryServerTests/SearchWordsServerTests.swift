import Foundation
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

/// Ranked search through the server's two doors: SRP's `SearchSchemasRequest.query` and the
/// REST body's `"query"`, ranked pages and their tokens, and `text` keeping its substring meaning.
@Suite("Search by words over SRP and REST")
struct SearchWordsServerTests {
    /// ledger-a: "ledger" in the subject; b-fields: a field named ledger_id; c-doc: in the doc only.
    private func seed(_ client: SchemaRegistryClient) async throws {
        let schemas = [
            ("c-doc", #"{"type":"record","name":"C","doc":"ledger entry","fields":[{"name":"amount","type":"long"}]}"#),
            ("b-fields", #"{"type":"record","name":"B","fields":[{"name":"ledger_id","type":"long"}]}"#),
            ("ledger-a", #"{"type":"record","name":"A","fields":[{"name":"amount","type":"long"}]}"#),
        ]
        for (subject, schema) in schemas {
            _ = try await client.registerSchema(
                .with {
                    $0.subject = subject
                    $0.schema = schema
                    $0.tags = subject == "b-fields" ? ["finance"] : []
                })
        }
    }

    @Test("SRP: words are ranked and paged by token; text is still a substring")
    func overSRP() async throws {
        try await withServer { server in
            let client = server.client()
            try await seed(client)
            let ranked = try await client.searchSchemas(.with { $0.query = "ledger" })
            #expect(ranked.results.map(\.subject) == ["ledger-a", "b-fields", "c-doc"])
            #expect(ranked.nextPageToken.isEmpty)

            let first = try await client.searchSchemas(
                .with {
                    $0.query = "ledg*"
                    $0.pageSize = 2
                })
            #expect(first.results.map(\.subject) == ["ledger-a", "b-fields"])
            let second = try await client.searchSchemas(
                .with {
                    $0.query = "ledg*"
                    $0.pageSize = 2
                    $0.pageToken = first.nextPageToken
                })
            #expect(second.results.map(\.subject) == ["c-doc"] && second.nextPageToken.isEmpty)

            let withTag = try await client.searchSchemas(
                .with {
                    $0.query = "ledger"
                    $0.tags = ["finance"]
                })
            #expect(withTag.results.map(\.subject) == ["b-fields"])
            // "edge" is inside "ledger" but is no word of it.
            #expect(try await client.searchSchemas(.with { $0.query = "edge" }).results.isEmpty)
            let substring = try await client.searchSchemas(.with { $0.text = "edge" })
            #expect(substring.results.map(\.subject) == ["b-fields", "c-doc"])

            // A subject-order token is no ranked token, and the reverse.
            let unranked = try await client.searchSchemas(.with { $0.pageSize = 1 })
            let error = await #expect(throws: SchemaRegistryClientError.self) {
                _ = try await client.searchSchemas(
                    .with {
                        $0.query = "ledger"
                        $0.pageToken = unranked.nextPageToken
                    })
            }
            #expect(error?.message == "Invalid page token.")
            await client.close()
        }
    }

    @Test("REST: the body's query is SRP's")
    func overREST() async throws {
        try await withServer({ $0.restPort = 0 }) { server in
            let rest = try #require(server.restPort)
            let client = server.client()
            try await seed(client)
            await client.close()
            let answer = try await httpRequest(
                port: rest, "POST", "/x-registry/v1/search", body: #"{"query":"ledger","pageSize":2}"#)
            #expect(answer.status == 200, "\(answer.body)")
            let object = try #require(JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
            let results = try #require(object["results"] as? [[String: Any]])
            #expect(results.compactMap { $0["subject"] as? String } == ["ledger-a", "b-fields"])
            let token = try #require(object["nextPageToken"] as? String)
            let next = try await httpRequest(
                port: rest, "POST", "/x-registry/v1/search",
                body: String(
                    decoding: try JSONSerialization.data(withJSONObject: [
                        "query": "ledger", "pageSize": 2, "pageToken": token,
                    ]), as: UTF8.self))
            #expect(next.status == 200, "\(next.body)")
            #expect(next.body.contains("c-doc") && !next.body.contains("ledger-a"))
            let wrongType = try await httpRequest(port: rest, "POST", "/x-registry/v1/search", body: #"{"query":1}"#)
            #expect(wrongType.status == 422, "\(wrongType.body)")
        }
    }
}
