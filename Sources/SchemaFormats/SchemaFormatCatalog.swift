import SchemaRegistryCore

/// The formats this build knows, by type.
public enum SchemaFormatCatalog {
    /// - Parameter jsonSchemaDefaultDraft: the draft of JSON schemas that carry no `$schema`.
    public static func standard(jsonSchemaDefaultDraft: JSONSchemaDraft = .draft2020_12) -> [SchemaType:
        any SchemaFormat]
    {
        [
            .avro: AvroFormat(),
            .json: JSONSchemaFormat(options: .init(defaultDraft: jsonSchemaDefaultDraft)),
        ]
    }
}
