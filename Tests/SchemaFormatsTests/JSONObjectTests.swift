import Testing

@testable import SchemaFormats

/// `JSONObject` scans the keys of small objects and indexes large ones (issue 19): lookups,
/// replacement, removal and order must be the same on both sides of the threshold.
@Suite("JSON object")
struct JSONObjectTests {
    @Test(arguments: [0, 1, 5, 8, 9, 10, 40])
    func keyedLookupKeepsOrderAtEverySize(count: Int) {
        var object = JSONObject()
        for n in 0..<count { object["k\(n)"] = .number(JSONNumber(n)) }
        #expect(object.keys == (0..<count).map { "k\($0)" })
        for n in 0..<count { #expect(object["k\(n)"] == .number(JSONNumber(n))) }
        #expect(object["k\(count)"] == nil)

        // Replacing keeps the position; removing closes the gap; re-adding appends.
        if count > 3 {
            object["k2"] = .string("two")
            #expect(object.keys[2] == "k2" && object["k2"] == .string("two"))
            object["k1"] = nil
            #expect(object.count == count - 1 && object["k1"] == nil)
            #expect(object.keys == (0..<count).filter { $0 != 1 }.map { "k\($0)" })
            for n in (0..<count) where n != 1 && n != 2 { #expect(object["k\(n)"] == .number(JSONNumber(n))) }
            object["k1"] = .bool(true)
            #expect(object.keys.last == "k1" && object["k1"] == .bool(true) && object.count == count)
        }
    }

    @Test func shrinkingBelowTheIndexAndGrowingAgainFindsEveryKey() {
        var object = JSONObject((0..<12).map { (key: "k\($0)", value: JSONValue.number(JSONNumber($0))) })
        for n in 0..<8 { object["k\(n)"] = nil }
        #expect(object.keys == ["k8", "k9", "k10", "k11"])
        for n in 12..<20 { object["k\(n)"] = .null }
        #expect(object.count == 12)
        for n in 8..<12 { #expect(object["k\(n)"] == .number(JSONNumber(n))) }
        for n in 12..<20 { #expect(object["k\(n)"] == .null) }
    }

    @Test func duplicateKeysInTextAreRejectedAtEverySize() throws {
        #expect(throws: JSONParser.Error.self) { try JSONParser().parse(#"{"a":1,"b":2,"a":3}"#) }
        let members = (0..<12).map { #""m\#($0)":\#($0)"# }.joined(separator: ",")
        #expect(throws: JSONParser.Error.self) { try JSONParser().parse("{\(members),\"m3\":\"x\"}") }
        #expect(try JSONParser().parse("{\(members)}").objectValue?.count == 12)
    }

    @Test func equalityIgnoresOrderOnBothSidesOfTheIndex() throws {
        let forward = (0..<12).map { #""m\#($0)":\#($0)"# }.joined(separator: ",")
        let backward = (0..<12).reversed().map { #""m\#($0)":\#($0)"# }.joined(separator: ",")
        #expect(try JSONParser().parse("{\(forward)}") == JSONParser().parse("{\(backward)}"))
        #expect(try JSONParser().parse(#"{"a":1,"b":2}"#) == JSONParser().parse(#"{"b":2,"a":1}"#))
        #expect(try JSONParser().parse(#"{"a":1,"b":2}"#) != JSONParser().parse(#"{"b":2,"c":1}"#))
    }
}

/// Integers of up to 15 digits are read without `strtod` (issue 19): the value must be the
/// one `strtod` gives, bit for bit, sign of zero included.
@Suite("JSON numbers")
struct JSONNumberReadingTests {
    @Test(arguments: [
        "0", "-0", "7", "-7", "10", "999999999999999", "-999999999999999", "1000000000000000",
        "9007199254740993", "123456789012345678901234567890", "1.5", "-0.0", "1e3", "12E-2",
    ])
    func readValueIsStrtods(literal: String) throws {
        let parsed = try JSONParser().parse("[\(literal)]")
        let number = try #require(parsed.arrayValue?.first?.numberValue)
        #expect(number.text == literal)
        #expect(number.double.bitPattern == Double(literal)!.bitPattern)
    }

    @Test func duplicateKeyErrorPointsAtTheSecondKey() {
        #expect(throws: JSONParser.Error(message: "duplicate key 'a'", line: 1, column: 8)) {
            try JSONParser().parse(#"{"a":1,"a":2}"#)
        }
    }
}
