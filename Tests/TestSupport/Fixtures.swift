/// Schema texts shared by the test targets.
public enum Fixtures {
    /// An Avro record of `fields` string fields, distinct per `name` and `seed`: valid for the
    /// registry's parser (server, client and CLI tests register it for real).
    public static func avroRecord(_ name: String, fields: Int = 2, seed: Int = 0) -> String {
        let list = (0..<fields).map { #"{"name":"f\#($0)_\#(seed)","type":"string"}"# }.joined(separator: ",")
        return #"{"type":"record","name":"\#(name)","fields":[\#(list)]}"#
    }

    /// A distinct, made-up canonical Avro text per `name`: what store tests store (stores never
    /// parse, so this is taken as canonical as it is).
    public static func record(_ name: String) -> String {
        #"{"type":"record","name":"\#(name)","fields":[{"name":"f","type":"string"}]}"#
    }
}

/// ``Fixtures/avroRecord(_:fields:seed:)``, under the name the server tests have always used.
public func avroRecord(_ name: String, fields: Int = 2, seed: Int = 0) -> String {
    Fixtures.avroRecord(name, fields: fields, seed: seed)
}
