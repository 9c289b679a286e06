// The .proto compiler (ProtoFileCompiler) alone: the input is .proto text compiled as
// "main.proto"; a NUL byte, when present, splits off the text of "dep.proto" before it (which
// the main text may import, as may it import itself: a cycle).
//
// Checked: errors name one of the two files and a line and column within the text (0 only for
// the file as a whole); a compiled descriptor serialises and round-trips; compiling twice gives
// the same descriptor (no hidden state).
import FuzzSupport
import SchemaFormats
import SwiftProtobuf

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    var mainBytes = input[...]
    var imports: [String: String] = [:]
    if let split = input.firstIndex(of: 0) {
        imports["dep.proto"] = String(decoding: input[..<split], as: UTF8.self)
        mainBytes = input[(split + 1)...]
    }
    let text = String(decoding: mainBytes, as: UTF8.self)
    let first: CompiledProtoFile
    do {
        first = try ProtoFileCompiler.compile(fileName: "main.proto", source: text, imports: { imports[$0] })
    } catch {
        fuzzCheck(
            error.file == "main.proto" || error.file == "dep.proto" || error.file.hasPrefix("google/protobuf/"),
            "error names an unknown file: \(error)")
        fuzzCheck(error.line >= 0 && error.column >= 0 && error.line <= size + 1, "bad location: \(error)")
        fuzzCheck(!error.message.isEmpty, "empty error message")
        return 0
    }
    fuzzCheck(first.file.name == "main.proto", "compiled file named \(first.file.name)")
    guard let bytes: [UInt8] = try? first.file.serializedBytes(),
        let decoded = try? Google_Protobuf_FileDescriptorProto(serializedBytes: bytes)
    else { fatalError("descriptor does not serialise") }
    fuzzCheck(decoded == first.file, "descriptor does not round-trip")
    let second = try? ProtoFileCompiler.compile(fileName: "main.proto", source: text, imports: { imports[$0] })
    fuzzCheck(second?.file == first.file, "compiling twice gave different descriptors")
    return 0
}

@main
enum Main {
    static func main() {
        runLibFuzzer(fuzz, warmUp: ["syntax = \"proto3\"; message A { int32 a = 1; map<string, A> m = 2; }"])
    }
}
