import Foundation
import Testing

@testable import SchemaRegistryCore

/// The fast reader of stored metadata and tags agrees with JSONDecoder wherever it answers, and
/// answers for everything the stores write.
@Suite struct FlatJSONStringsTests {
    static let samples: [String] = [
        "", "a", "owner", "team-07", "quote\"inside", "back\\slash", "slash/es", "tab\tnew\nline\r",
        "\u{08}\u{0C}", "nul\u{00}byte", "\u{1F}", "ünïcödé", "日本語", "emoji 🧪🚀", "\u{10FFFF}", "\u{FFFD}",
        "mixed \"q\" \\ 🧪 \n end", String(repeating: "x", count: 300),
    ]

    @Test func readsWhatTheStoresWriteForEveryKindOfCharacter() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let plain = JSONEncoder()
        for (index, sample) in Self.samples.enumerated() {
            let metadata = ["k\(index)": sample, sample: "v", "z": Self.samples[(index + 3) % Self.samples.count]]
            let tags = [sample, "t", Self.samples[(index + 5) % Self.samples.count]]
            for encoder in [encoder, plain] {
                let objectText = String(decoding: try encoder.encode(metadata), as: UTF8.self)
                let arrayText = String(decoding: try encoder.encode(tags), as: UTF8.self)
                #expect(FlatJSONStrings.object(objectText) == metadata, "\(objectText)")
                #expect(FlatJSONStrings.array(arrayText) == tags, "\(arrayText)")
            }
        }
    }

    @Test func agreesWithJSONDecoderOrDeclines() {
        let objects = [
            #"{}"#, #" { } "#, #"{"a":"b"}"#, #"{ "a" : "b" , "c":"d" }"#, #"{"a":"\u00e9\ud83e\uddea"}"#,
            #"{"a":"b","a":"c"}"#, #"{"a":1}"#, #"{"a":"b",}"#, #"{"a":"b"} x"#, #"{"a":"\x"}"#,
            #"{"a":"\ud800"}"#, #"{"a":"\udc00"}"#, #"{"a":"\ud83e\u0041"}"#, #"{"a":"b""#, #"{"a":["b"]}"#,
            "{\"a\":\"\u{01}\"}", #"{"a":null}"#, #"["a"]"#, "",
        ]
        for text in objects {
            let fast = FlatJSONStrings.object(text)
            let reference = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))
            if let fast { #expect(fast == reference, "\(text)") }
        }
        let arrays = [
            #"[]"#, #" [ ] "#, #"["a"]"#, #"[ "a" , "b" ]"#, #"["a",]"#, #"["a",1]"#, #"["a"] ["b"]"#,
            #"["\"\\\/\b\f\n\r\t"]"#, #"["\u0000"]"#, #"[["a"]]"#, #"["a""#, #"{}"#,
        ]
        for text in arrays {
            let fast = FlatJSONStrings.array(text)
            let reference = try? JSONDecoder().decode([String].self, from: Data(text.utf8))
            if let fast { #expect(fast == reference, "\(text)") }
        }
        // What it must decline (so JSONDecoder, the judge, sees it).
        #expect(FlatJSONStrings.object(#"{"a":"b","a":"c"}"#) == nil)
        #expect(FlatJSONStrings.object(#"{"a":1}"#) == nil)
        #expect(FlatJSONStrings.object(#"{"a":"\ud800"}"#) == nil)
        #expect(FlatJSONStrings.array(#"["a",]"#) == nil)
        #expect(FlatJSONStrings.array("[\"\u{01}\"]") == nil)
    }

    @Test func storedValueCodingStillRefusesWhatIsNotJSON() {
        let coding = StoredValueCoding(store: "test")
        #expect(throws: RegistryError.self) { try coding.decodeMetadata(#"{"a":1}"#) }
        #expect(throws: RegistryError.self) { try coding.decodeTags(#"["a",1]"#) }
        #expect((try? coding.decodeMetadata(#"{"b":"2","a":"1"}"#)) == ["a": "1", "b": "2"])
    }
}
