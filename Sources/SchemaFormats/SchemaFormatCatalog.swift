import SchemaRegistryCore

/// The formats this build knows, by type.
public enum SchemaFormatCatalog {
    /// - Parameter jsonSchemaDefaultDraft: the draft of JSON schemas that carry no `$schema`
    ///   (draft-07 by default, as Confluent's registry reads them).
    /// - Parameter avroValidateDefaults: refuse Avro field defaults that do not match their type
    ///   (off by default: accepted with a warning, as Confluent's registry accepts them).
    public static func standard(jsonSchemaDefaultDraft: JSONSchemaDraft = .draft7, avroValidateDefaults: Bool = false)
        -> [SchemaType: any SchemaFormat]
    {
        [
            .avro: AvroFormat(validateDefaults: avroValidateDefaults),
            .json: JSONSchemaFormat(options: .init(defaultDraft: jsonSchemaDefaultDraft)),
            .protobuf: ProtobufFormat(),
        ]
    }
}
