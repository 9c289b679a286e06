/// The digest of the proto sources that generated files record in their header.
///
/// FNV-1a 64 over, for each file sorted by name (byte-wise): the name's UTF-8 bytes, a 0 byte, the file's bytes.
/// The files are sorted here, so callers may pass them in any order.
///
/// - Returns: `fnv1a64:` followed by sixteen lowercase hex digits.
public func protoDigest(files: [(name: String, contents: [UInt8])]) -> String {
    let sorted = files.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func add(_ byte: UInt8) {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }
    for file in sorted {
        for byte in file.name.utf8 { add(byte) }
        add(0)
        for byte in file.contents { add(byte) }
    }
    let hex = String(hash, radix: 16)
    return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
}

/// The prefix of the header line that carries the digest.
let protoDigestLinePrefix = "// proto digest: "

/// The digest recorded in a generated file's header (`// proto digest: fnv1a64:…`), if any.
///
/// Only the first ten lines are looked at.
public func recordedProtoDigest(in contents: String) -> String? {
    for line in contents.split(separator: "\n", omittingEmptySubsequences: false).prefix(10)
    where line.hasPrefix(protoDigestLinePrefix) {
        return String(line.dropFirst(protoDigestLinePrefix.count)).trimmingSpaces()
    }
    return nil
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" || first == "\r" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" || last == "\r" { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
