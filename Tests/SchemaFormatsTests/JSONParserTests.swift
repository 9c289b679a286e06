import Testing

@testable import SchemaFormats

@Suite("JSON parser")
struct JSONParserTests {
    private func parse(_ text: String) throws -> JSONValue { try JSONParser().parse(text) }

    @Test func keepsMemberOrderAndNumberText() throws {
        let value = try parse(#"{"b": 1.50, "a": [true, null, "x\u00e9\n"], "big": 12345678901234567890}"#)
        #expect(value.objectValue?.keys == ["b", "a", "big"])
        #expect(value["b"]?.numberValue?.text == "1.50")
        #expect(value["a"]?.arrayValue?[2].stringValue == "xé\n")
        #expect(value["big"]?.numberValue?.text == "12345678901234567890")
        #expect(value.serialized() == #"{"b":1.50,"a":[true,null,"xé\n"],"big":12345678901234567890}"#)
        #expect(value.serialized(sortedKeys: true) == #"{"a":[true,null,"xé\n"],"b":1.50,"big":12345678901234567890}"#)
    }

    /// Serialisation escapes byte runs (issue 19): each escape lands exactly where its byte was,
    /// including inside grapheme clusters ("\r\n" is one Character), after combining marks and
    /// next to multi-byte scalars; every string reads back as itself.
    @Test func serialisedStringsEscapeExactlyAndRoundTrip() throws {
        let cases: [(String, String)] = [
            ("a\r\nb", #""a\r\nb""#),
            ("\r\n", #""\r\n""#),
            ("e\u{301}\"x", #""e\#u{301}\"x""#),
            ("👍🏽\n\u{301}z", #""👍🏽\n\#u{301}z""#),
            ("\u{0}\u{1F}\u{7F}", #""\u0000\u001f\#u{7F}""#),
            ("back\\slash\t\u{08}\u{0C}", #""back\\slash\t\b\f""#),
            ("", #""""#),
            ("plain ascii", #""plain ascii""#),
            // Longer than a small string: escapes first, last, back to back, between runs.
            (
                "\"{\"type\":\"record\",\"name\":\"é\"}\n\n\\",
                #""\"{\"type\":\"record\",\"name\":\"é\"}\n\n\\""#
            ),
        ]
        for (string, expected) in cases {
            let text = JSONValue.string(string).serialized()
            #expect(text == expected, "\(string.debugDescription)")
            #expect(try parse(text).stringValue == string, "\(string.debugDescription)")
        }
    }

    /// Strings longer than the escaper's 4 KiB chunk: escapes and multi-byte scalars on both
    /// sides of every chunk boundary come out as a byte-by-byte reference escaper writes them.
    @Test func longStringsEscapeAcrossChunks() throws {
        var piece = String(repeating: "a", count: 4094)  // "é" straddles the first boundary
        piece += "\"é\u{1}\n👍\\"
        let long = String(repeating: piece, count: 3) + "tail"
        var expected = "\""
        for scalar in long.unicodeScalars {
            switch scalar {
            case "\"": expected += "\\\""
            case "\\": expected += "\\\\"
            case "\n": expected += "\\n"
            case "\u{1}": expected += "\\u0001"
            default: expected.unicodeScalars.append(scalar)
            }
        }
        expected += "\""
        let text = JSONValue.string(long).serialized()
        #expect(Array(text.utf8) == Array(expected.utf8))
        #expect(try parse(text).stringValue == long)
    }

    @Test func equalityIsJSONs() throws {
        #expect(try parse(#"{"a":1,"b":2}"#) == parse(#"{"b":2.0,"a":1}"#))
        #expect(try parse("[1,2]") != parse("[2,1]"))
        #expect(try parse("1.0").typeName == "integer")
        #expect(try parse("1.5").typeName == "number")
        #expect(try parse(#""\ud83d\ude00""#).stringValue == "😀")
    }

    @Test func stringsWithAndWithoutEscapes() throws {
        // Without an escape a string is decoded from its bytes in one step; with one, run by run.
        let cases: [(String, String)] = [
            (#""""#, ""),
            (
                #""plain ascii, long enough not to be a small string""#,
                "plain ascii, long enough not to be a small string"
            ),
            (#""日本語 é 😀""#, "日本語 é 😀"), (#""a\"b""#, "a\"b"), (#""日本\n語""#, "日本\n語"),
            (#""\u00e9 then text""#, "é then text"), (#""text then \t""#, "text then \t"), (#""\\""#, "\\"),
        ]
        for (text, expected) in cases { #expect(try parse(text).stringValue == expected, "\(text)") }
        // Bytes that are not UTF-8 become U+FFFD, with or without an escape in the string.
        var invalid: [UInt8] = Array(#"["a"#.utf8) + [0xFF] + Array(#"b", "c\n"#.utf8) + [0xC3] + Array(#""]"#.utf8)
        let value = try JSONParser().parse(bytes: &invalid)
        #expect(value.arrayValue?.map(\.stringValue) == ["a\u{FFFD}b", "c\n\u{FFFD}"])
    }

    @Test func errorsSayWhatAndWhere() {
        let cases: [(String, String)] = [
            ("{\"a\": 1,}", "expected a string key"), ("[1 2]", "expected ',' or ']'"),
            ("{\"a\":1,\"a\":2}", "duplicate key 'a'"), ("01", "unexpected text after"), ("\"abc", "unterminated"),
            ("tru", "invalid literal"), ("{\n  \"a\": x\n}", "line 2, column 8"), ("1.", "digits after '.'"),
            (#""\ud800""#, "unpaired"), ("", "unexpected end of input"),
        ]
        for (text, expected) in cases {
            #expect {
                _ = try JSONParser().parse(text)
            } throws: { error in
                "\(error)".contains(expected)
            }
        }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONParser.Error.self) { _ = try JSONParser(maximumDepth: 256).parse(deep) }
        #expect(throws: Never.self) { _ = try JSONParser(maximumDepth: 300).parse(deep) }
    }
}
