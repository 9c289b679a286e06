import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

/// Ranked search (`SearchQuery.words`) through each store's full-text index: what is indexed,
/// the word syntax, ranking, filters and paging, and that the index follows every write.
/// The in-memory store has no index, so it is not among the stores here.
@Suite struct SearchIndexConformance {
    static let stores = StoreFactory.all.filter { !$0.name.hasPrefix(StoreFactory.memory.name) }

    /// An Avro record named `name` with `fields` (string fields) and an optional `doc`.
    static func avroText(_ name: String, fields: [String], doc: String? = nil) -> String {
        let list = fields.map { #"{"name":"\#($0)","type":"string"}"# }.joined(separator: ",")
        let docMember = doc.map { #","doc":"\#($0)""# } ?? ""
        return #"{"type":"record","name":"\#(name)"\#(docMember),"fields":[\#(list)]}"#
    }

    /// Registers a schema of any type (the stores never parse texts).
    @discardableResult
    static func registerText(
        _ store: any SchemaStore, _ subject: String, _ type: SchemaType, _ text: String,
        metadata: [String: String] = [:], tags: [String] = []
    ) async throws -> RegistrationOutcome {
        try await store.register(
            RegistrationWrite(
                subject: subject, schema: SchemaIdentity(type: type, canonicalText: text, references: []),
                metadata: metadata, tags: tags))
    }

    static func find(_ store: any SchemaStore, _ words: String, _ query: SearchQuery = SearchQuery()) async throws
        -> [String]
    {
        var query = query
        query.words = words
        return try await store.search(query).map { "\($0.subject):\($0.version)" }
    }

    /// orders: Avro (fields customer_id, order_total; metadata owner=payments-team; tag pii);
    /// people: JSON Schema (properties first_name, address.zip_code); invoices: Protobuf text.
    static func seedKinds(_ store: any SchemaStore) async throws {
        try await registerText(
            store, "orders-value", .avro, avroText("Order", fields: ["customer_id", "order_total"]),
            metadata: ["owner": "payments-team"], tags: ["pii"])
        let person = """
            {"type":"object","properties":{"first_name":{"type":"string"},\
            "address":{"type":"object","properties":{"zip_code":{"type":"string"}}}}}
            """
        try await registerText(store, "people-value", .json, person)
        let invoice = "syntax = \"proto3\";\nmessage Invoice {\n  string invoice_number = 1;\n}\n"
        try await registerText(store, "invoices-value", .protobuf, invoice)
    }

    @Test(arguments: stores) func wordsMatchTextFieldNamesSubjectTagsAndMetadata(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            try await Self.seedKinds(store)
            #expect(try await Self.find(store, "customer") == ["orders-value:1"])
            #expect(try await Self.find(store, "zip") == ["people-value:1"])
            #expect(try await Self.find(store, "first_name") == ["people-value:1"])
            #expect(try await Self.find(store, "invoice_number") == ["invoices-value:1"])
            #expect(try await Self.find(store, "pii") == ["orders-value:1"])
            #expect(try await Self.find(store, "payments") == ["orders-value:1"])  // a metadata value
            #expect(try await Self.find(store, "owner") == ["orders-value:1"])  // a metadata key
            #expect(try await Self.find(store, "people") == ["people-value:1"])  // the subject
            #expect(try await Self.find(store, "value").count == 3)
        }
    }

    @Test(arguments: stores) func wordSyntax(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            try await Self.seedKinds(store)
            #expect(try await Self.find(store, "CUSTOMER") == ["orders-value:1"])  // case-insensitive
            #expect(try await Self.find(store, "cust*") == ["orders-value:1"])  // prefix
            #expect(try await Self.find(store, "cust").isEmpty)  // a word is whole without *
            #expect(try await Self.find(store, "ord* total") == ["orders-value:1"])  // every term must match
            #expect(try await Self.find(store, "customer zip").isEmpty)
            #expect(try await Self.find(store, "customer_total").isEmpty)  // a phrase: consecutive tokens only
            #expect(try await Self.find(store, "order_tot*") == ["orders-value:1"])  // a phrase ending in a prefix
            #expect(try await Self.find(store, "*** -").isEmpty)  // no letters or digits: nothing
            // Quotes and operators of either index's syntax are only separators.
            #expect(try await Self.find(store, "\"customer\" OR zip | !pii & (people)").isEmpty)
            #expect(try await Self.find(store, "customer\" & 'id:*") == ["orders-value:1"])
        }
    }

    @Test(arguments: stores) func resultsAreRankedBySubjectThenFieldNamesThenBody(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            // Registered in an order unlike the expected one (d-body before c-body: equal scores
            // must come out in subject order, not in the order indexed), texts of the same size.
            try await Self.registerText(
                store, "d-body", .avro, Self.avroText("Delta", fields: ["amount", "status"], doc: "ledger"))
            try await Self.registerText(
                store, "b-fields", .avro, Self.avroText("Betaaa", fields: ["ledger", "status"], doc: "other"))
            try await Self.registerText(
                store, "a-ledger", .avro, Self.avroText("Alpha", fields: ["amount", "status"], doc: "other"))
            try await Self.registerText(
                store, "c-body", .avro, Self.avroText("Gamma", fields: ["amount", "status"], doc: "ledger"))
            // Subject beats field name beats body; equal scores in subject order.
            #expect(try await Self.find(store, "ledger") == ["a-ledger:1", "b-fields:1", "c-body:1", "d-body:1"])
            // Pages of ranked results follow the ranking.
            #expect(try await Self.find(store, "ledger", SearchQuery(limit: 2)) == ["a-ledger:1", "b-fields:1"])
            #expect(try await Self.find(store, "ledger", SearchQuery(offset: 2, limit: 2)) == ["c-body:1", "d-body:1"])
            #expect(try await Self.find(store, "ledger", SearchQuery(offset: 4, limit: 2)).isEmpty)
        }
    }

    @Test(arguments: stores) func theLengthOfWhatMatchesDoesNotChangeTheScore(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            // The same word once in each subject and once in each field list: equal scores on
            // both stores (no length normalisation), so subject order, however long the subject
            // or the schema. A second occurrence in the body still counts.
            try await Self.registerText(store, "zz-ledger", .avro, Self.avroText("A", fields: ["ledger_id"]))
            try await Self.registerText(
                store, "a-ledger-of-every-payment-account-and-region-value", .avro,
                Self.avroText("B", fields: ["ledger_id", "amount", "status", "region", "currency", "note"]))
            try await Self.registerText(
                store, "m-ledger", .avro, Self.avroText("C", fields: ["ledger_id"], doc: "ledger"))
            #expect(
                try await Self.find(store, "ledger")
                    == ["m-ledger:1", "a-ledger-of-every-payment-account-and-region-value:1", "zz-ledger:1"])
            #expect(
                try await Self.find(store, "ledg*", SearchQuery(offset: 1, limit: 1)) == [
                    "a-ledger-of-every-payment-account-and-region-value:1"
                ])
        }
    }

    @Test(arguments: stores) func wordsCombineWithTheOtherFilters(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            try await Self.registerText(
                store, "team1.orders", .avro, Self.avroText("A", fields: ["amount"]), metadata: ["owner": "x"],
                tags: ["gold"])
            try await Self.registerText(
                store, "team1.orders", .avro, Self.avroText("B", fields: ["amount", "note"]), metadata: ["owner": "y"])
            try await Self.registerText(
                store, "team2.orders", .avro, Self.avroText("C", fields: ["amount"]), metadata: ["owner": "x"],
                tags: ["gold"])
            let all = try await Self.find(store, "amount")
            #expect(Set(all) == ["team1.orders:1", "team1.orders:2", "team2.orders:1"])
            #expect(try await Self.find(store, "amount", SearchQuery(subjectPrefix: "team2")) == ["team2.orders:1"])
            // Equal scores: a short page walks the subjects in order, within the prefix.
            #expect(
                try await Self.find(store, "amount", SearchQuery(subjectPrefix: "team1", limit: 1)) == [
                    "team1.orders:1"
                ])
            #expect(
                try await Self.find(store, "amount", SearchQuery(subjectPrefix: "team1", offset: 1, limit: 1)) == [
                    "team1.orders:2"
                ])
            #expect(
                Set(try await Self.find(store, "amount", SearchQuery(metadata: ["owner": "x"])))
                    == ["team1.orders:1", "team2.orders:1"])
            #expect(
                try await Self.find(store, "amount", SearchQuery(subjectPrefix: "team1", tags: ["gold"]))
                    == ["team1.orders:1"])
            #expect(try await Self.find(store, "amount", SearchQuery(text: "\"B\"")) == ["team1.orders:2"])
            #expect(
                Set(try await Self.find(store, "amount", SearchQuery(latestOnly: true)))
                    == ["team1.orders:2", "team2.orders:1"])
            // The substring filter keeps its meaning beside words: "moun" is inside "amount".
            #expect(try await Self.find(store, "amount", SearchQuery(text: "moun")).count == 3)
            #expect(try await Self.find(store, "moun").isEmpty)
        }
    }

    @Test(arguments: stores) func theIndexFollowsRegisterSoftDeleteAndPermanentDelete(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, opened async throws in
            let zebra = Self.avroText("Zebra", fields: ["stripe_count"])
            try await Self.registerText(store, "zoo", .avro, zebra, tags: ["striped"])
            try await Self.registerText(store, "savanna", .avro, zebra)  // the same schema, a second subject
            #expect(Set(try await Self.find(store, "stripe*")) == ["savanna:1", "zoo:1"])

            #expect(try await store.softDelete(subject: "zoo", versions: [1]) == [1])
            #expect(try await Self.find(store, "stripe*") == ["savanna:1"])
            #expect(try await Self.find(store, "striped").isEmpty)
            #expect(try await Self.find(store, "striped", SearchQuery(includeDeleted: true)) == ["zoo:1"])

            #expect(try await store.permanentlyDelete(subject: "zoo", versions: [1]) == [1])
            #expect(try await Self.find(store, "stripe*", SearchQuery(includeDeleted: true)) == ["savanna:1"])
            #expect(try await Self.find(store, "striped", SearchQuery(includeDeleted: true)).isEmpty)
            #expect(try await Self.find(store, "zoo", SearchQuery(includeDeleted: true)).isEmpty)

            // Registered again after its permanent delete: indexed again, with what it has now.
            try await Self.registerText(store, "zoo", .avro, zebra, tags: ["spotted"])
            #expect(try await Self.find(store, "spotted") == ["zoo:1"])
            #expect(try await Self.find(store, "striped", SearchQuery(includeDeleted: true)).isEmpty)

            // A second instance on the same data (a restart) finds the same.
            let reopened = try await opened.reopen()
            #expect(Set(try await Self.find(reopened, "stripe*")) == ["savanna:1", "zoo:1"])
            try await reopened.close()
        }
    }
}
