import SchemaRegistryCore
import Testing

@testable import SchemaFormats

/// Issue 13 item 9: schemas Confluent's registry accepts must import. Java Avro does not check
/// field defaults unless asked, so exported Confluent subjects hold defaults like `"null"` (a
/// string) for `["null","string"]`. By default they register with a warning and count as no
/// default; `validateDefaults` keeps the spec's rule.
@Suite("Avro invalid field defaults")
struct AvroLenientDefaultsTests {
    private let lenient = AvroFormat()
    private let strict = AvroFormat(validateDefaults: true)

    private func record(_ fields: String, name: String = "R") -> String {
        #"{"type":"record","name":"\#(name)","fields":[\#(fields)]}"#
    }

    private static let nullStringDefault = #"{"name":"note","type":["null","string"],"default":"null"}"#
    private static let enumFieldDefault =
        #"{"name":"color","type":{"type":"enum","name":"Color","symbols":["RED","GREEN"]},"default":"BLUE"}"#

    @Test(arguments: [nullStringDefault, enumFieldDefault])
    func acceptedWithAWarningByDefault(_ field: String) throws {
        let text = record(#"{"name":"id","type":"long"},"# + field)
        let parsed = try lenient.parse(text, references: [], normalize: false)
        #expect(parsed.warnings.count == 1)
        let warning = try #require(parsed.warnings.first)
        #expect(warning.contains("field '"), "\(warning)")
        #expect(warning.contains("(at /fields/1)"), "\(warning)")
        #expect(warning.contains("counts as no default"), "\(warning)")
    }

    @Test(arguments: [nullStringDefault, enumFieldDefault])
    func refusedWhenDefaultsAreValidated(_ field: String) {
        let text = record(#"{"name":"id","type":"long"},"# + field)
        #expect(throws: RegistryError.self) { try strict.parse(text, references: [], normalize: false) }
    }

    @Test func validDefaultsGiveNoWarning() throws {
        let text = record(#"{"name":"note","type":["null","string"],"default":null}"#)
        #expect(try lenient.parse(text, references: [], normalize: false).warnings.isEmpty)
    }

    /// Identity keeps what was written: the invalid default is in the canonical text, so a
    /// schema exported from Confluent round-trips and re-registering it finds the same id.
    @Test func theInvalidDefaultIsKeptInTheCanonicalText() throws {
        let text = record(Self.nullStringDefault)
        let parsed = try lenient.parse(text, references: [], normalize: false)
        #expect(parsed.canonicalText.contains(#""default":"null""#), "\(parsed.canonicalText)")
        let again = try lenient.parse(parsed.canonicalText, references: [], normalize: false)
        #expect(again.canonicalText == parsed.canonicalText)
    }

    /// An enum's own `default` (the symbol readers fall back to) must be a symbol either way:
    /// Java Avro refuses it too, so Confluent never held such a schema.
    @Test func anEnumsOwnDefaultMustStillBeASymbol() {
        let text = #"{"type":"enum","name":"E","symbols":["A"],"default":"B"}"#
        #expect(throws: RegistryError.self) { try lenient.parse(text, references: [], normalize: false) }
    }

    /// A reader field whose default is invalid cannot fill in for a field the writer lacks: it
    /// is READER_FIELD_MISSING_DEFAULT_VALUE, as if it had none (never "compatible" when the
    /// reader would fail).
    @Test func anInvalidDefaultCountsAsNoneInCompatibility() throws {
        let writer = try lenient.parse(record(#"{"name":"id","type":"long"}"#), references: [], normalize: false)
        let invalid = try lenient.parse(
            record(#"{"name":"id","type":"long"},"# + Self.nullStringDefault), references: [], normalize: false)
        let valid = try lenient.parse(
            record(#"{"name":"id","type":"long"},{"name":"note","type":["null","string"],"default":null}"#),
            references: [], normalize: false)
        let checker = try #require(lenient.compatibilityChecker)
        #expect(
            checker.incompatibilities(reader: invalid, writer: writer).map(\.kind) == [
                "READER_FIELD_MISSING_DEFAULT_VALUE"
            ])
        #expect(checker.incompatibilities(reader: valid, writer: writer).isEmpty)
    }

    /// Payload validation does not fill a missing field from an invalid default.
    @Test func anInvalidDefaultDoesNotExcuseAMissingField() throws {
        let parsed = try lenient.parse(
            record(#"{"name":"id","type":"long"},"# + Self.enumFieldDefault), references: [], normalize: false)
        let missing = try #require(lenient.validate(payload: Array(#"{"id":1}"#.utf8), against: parsed))
        #expect(missing.count == 1)
        #expect(missing.first?.message.contains("missing field 'color'") == true)
        let present = try #require(lenient.validate(payload: Array(#"{"id":1,"color":"RED"}"#.utf8), against: parsed))
        #expect(present.isEmpty)
    }

    /// A schema registered leniently stays readable after `validateDefaults` is turned on:
    /// stored schemas are parsed leniently (compatibility targets, validators).
    @Test func storedSchemasParseUnderStrictSettings() throws {
        let text = record(Self.nullStringDefault)
        let stored = try strict.parseStored(text, references: [])
        #expect(stored.warnings.count == 1)
    }

    /// The warnings are the document's own: a referenced schema with an invalid default was
    /// registered (and warned about) already.
    @Test func referencedSchemasAddNoWarnings() throws {
        let referenced = record(Self.nullStringDefault, name: "Inner")
        let reference = ResolvedReference(
            reference: SchemaReference(name: "Inner", subject: "inner", version: 1),
            schema: StoredSchema(id: 1, type: .avro, text: referenced, references: []))
        let parsed = try lenient.parse(
            record(#"{"name":"inner","type":"Inner"}"#), references: [reference], normalize: false)
        #expect(parsed.warnings.isEmpty)
    }
}
