import ArgumentParser
import SRPWire

/// The schema a command sends: `--schema`, `--file` or stdin, its type, references and normalization.
struct SchemaInputOptions: ParsableArguments {
    @Option(help: "The schema text.")
    var schema: String?

    @Option(help: ArgumentHelp("Read the schema from this file ('-' for stdin).", valueName: "path"))
    var file: String?

    @Option(help: "The schema's format: avro (default), json or protobuf.")
    var type: SchemaTypeArgument?

    @Option(
        name: .customLong("ref"),
        help: ArgumentHelp(
            "A reference the schema uses, as name=subject:version (repeatable).", valueName: "name=subject:version"))
    var references: [ReferenceArgument] = []

    @Flag(help: "Normalize the schema before comparing or storing it.")
    var normalize = false

    var schemaType: Srp_SchemaType { type?.value ?? .avro }

    var referenceValues: [Srp_SchemaReference] { references.map(\.value) }

    /// The schema text from whichever source was given; stdin when none.
    func text() throws -> String {
        try InputReading.text(inline: schema, file: file, what: "schema", flags: "--schema, --file")
    }
}
