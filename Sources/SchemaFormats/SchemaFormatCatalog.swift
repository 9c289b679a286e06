import SchemaRegistryCore

/// The formats this build knows, by type.
public enum SchemaFormatCatalog {
    /// - Parameter jsonSchemaDefaultDraft: the draft of JSON schemas that carry no `$schema`
    ///   (draft-07 by default, as Confluent's registry reads them).
    public static func standard(jsonSchemaDefaultDraft: JSONSchemaDraft = .draft7) -> [SchemaType:
        any SchemaFormat]
    {
        [
            .avro: AvroFormat(),
            .json: JSONSchemaFormat(options: .init(defaultDraft: jsonSchemaDefaultDraft)),
        ]
    }
}
