import SchemaRegistryCore
import Testing

@testable import SchemaFormats

@Suite("JSON Schema format")
struct JSONSchemaFormatTests {
    let format = JSONSchemaFormat()

    private func errors(_ schema: String, _ payload: String, references: [ResolvedReference] = []) throws
        -> [PayloadError]
    {
        let parsed = try format.parse(schema, references: references, normalize: false)
        return try #require(format.validate(payload: Array(payload.utf8), against: parsed))
    }

    private func invalidSchemaMessage(_ schema: String) -> String? {
        do {
            _ = try format.parse(schema, references: [], normalize: false)
            return nil
        } catch let error as RegistryError {
            #expect(error.code == .invalidSchema)
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func canonicalTextIgnoresWhitespaceAndKeyOrder() throws {
        let a = try format.parse(
            #"{"type": "object",  "properties": {"b": {}, "a": {}}}"#, references: [], normalize: false)
        let b = try format.parse(
            "{\"properties\":{\"a\":{},\"b\":{}},\n\"type\":\"object\"}", references: [], normalize: true)
        #expect(a.canonicalText == b.canonicalText)
        #expect(a.canonicalText == #"{"properties":{"a":{},"b":{}},"type":"object"}"#)
        #expect(a.type == .json && a.model is JSONSchemaValidator)
    }

    @Test func invalidSchemasSayWhatAndWhere() {
        #expect(invalidSchemaMessage("{\"type\": ")?.contains("not valid JSON") == true)
        #expect(invalidSchemaMessage("[1]")?.contains("object or boolean") == true)
        #expect(invalidSchemaMessage(#"{"properties": {"a": {"type": 5}}}"#)?.contains("/properties/a/type") == true)
        #expect(invalidSchemaMessage(#"{"minLength": -1}"#)?.contains("/minLength") == true)
        #expect(invalidSchemaMessage(##"{"$ref": "#/$defs/missing"}"##)?.contains("cannot resolve reference") == true)
        #expect(invalidSchemaMessage(#"{"pattern": "(unclosed"}"#)?.contains("invalid regular expression") == true)
        #expect(
            invalidSchemaMessage(#"{"$schema": "http://json-schema.org/draft-04/schema#", "exclusiveMinimum": 3}"#)?
                .contains("exclusiveMinimum") == true)
    }

    @Test func reportsEveryErrorWithLocations() throws {
        let schema = #"""
            {"type": "object", "required": ["name", "age"],
             "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0},
                            "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}},
             "additionalProperties": false}
            """#
        let found = try errors(schema, #"{"age": -1, "tags": ["a", 2, "a"], "extra": true}"#)
        let pairs = Set(found.map { "\($0.instanceLocation) \($0.schemaLocation)" })
        #expect(
            pairs == [
                " /required", "/age /properties/age/minimum", "/tags/1 /properties/tags/items/type",
                "/tags /properties/tags/uniqueItems", "/extra /additionalProperties",
            ])
        #expect(found.allSatisfy { !$0.message.isEmpty })
        #expect(try errors(schema, #"{"name": "n", "age": 3}"#).isEmpty)
    }

    @Test func payloadThatIsNotJSONIsOneErrorAtTheRoot() throws {
        let found = try errors(#"{"type": "string"}"#, "{nope")
        #expect(found.count == 1 && found[0].instanceLocation == "" && found[0].message.contains("not valid JSON"))
    }

    @Test func resolvesRegistryReferencesByName() throws {
        let address = StoredSchema(
            id: 1, type: .json, text: #"{"type":"object","properties":{"zip":{"type":"string"}},"required":["zip"]}"#,
            references: [])
        let reference = ResolvedReference(
            reference: SchemaReference(name: "address.json", subject: "address", version: 1), schema: address)
        let schema = #"{"properties": {"home": {"$ref": "address.json"}}}"#
        let found = try errors(schema, #"{"home": {"zip": 1}}"#, references: [reference])
        #expect(found.map(\.instanceLocation) == ["/home/zip"])
        #expect(invalidSchemaMessage(schema)?.contains("address.json") == true)
    }

    @Test func multipleOfIsExactForDecimals() throws {
        let validator = try JSONSchemaValidator(schema: JSONParser().parse(#"{"multipleOf": 0.0001}"#))
        #expect(validator.isValid(try JSONParser().parse("0.0075")))
        #expect(!validator.isValid(try JSONParser().parse("0.00751")))
        let big = try JSONSchemaValidator(schema: JSONParser().parse(#"{"multipleOf": 3}"#))
        // Beyond 2^53 doubles cannot tell these apart; the exact text can.
        #expect(big.isValid(try JSONParser().parse("9007199254740993")))
        #expect(!big.isValid(try JSONParser().parse("9007199254740992")))
        #expect(!big.isValid(try JSONParser().parse("9007199254740994")))
    }

    @Test func draftIsChosenBySchemaKeyword() throws {
        let draft4 = try JSONSchemaValidator(
            schema: JSONParser().parse(
                #"{"$schema": "http://json-schema.org/draft-04/schema#", "maximum": 3, "exclusiveMaximum": true}"#))
        #expect(draft4.draft == .draft4)
        #expect(!draft4.isValid(.number(JSONNumber(3))))
        let latest = try JSONSchemaValidator(schema: JSONParser().parse(#"{"exclusiveMaximum": 3}"#))
        #expect(latest.draft == .draft2020_12)
        #expect(!latest.isValid(.number(JSONNumber(3))) && latest.isValid(.number(JSONNumber(2))))
    }

    @Test func formatAssertsOnlyWhenAsked() throws {
        let schema = try JSONParser().parse(#"{"format": "ipv4"}"#)
        #expect(try JSONSchemaValidator(schema: schema).isValid(.string("999.1.1.1")))
        let asserting = try JSONSchemaValidator(schema: schema, options: .init(formatAssertion: true))
        #expect(!asserting.isValid(.string("999.1.1.1")) && asserting.isValid(.string("10.0.0.1")))
    }
}
