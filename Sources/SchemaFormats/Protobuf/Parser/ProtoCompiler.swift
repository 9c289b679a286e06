import SwiftProtobuf

/// `.proto` text -> descriptors, as protoc compiles it: imports resolved (registered references
/// by import path, the well-known types built in), type names qualified, the rules protoc
/// checks checked. protoc is the test oracle (`ProtoCompilerOracleTests`), never a dependency.
public enum ProtoCompiler {
    /// The most files one schema may import, transitively.
    static let maxFiles = 1000

    /// Compiles `source` (named `fileName`); `imports` gives an import path's text (nil: not
    /// found). Throws the first error, with file:line:column.
    public static func compile(fileName: String, source: String, imports: (String) -> String?) throws(ProtoSourceError)
        -> CompiledProtoFile
    {
        var compiled: [String: Google_Protobuf_FileDescriptorProto] = [:]
        var visiting: [String] = []
        let file = try compileFile(
            fileName, source: source, imports: imports, compiled: &compiled, visiting: &visiting)
        return CompiledProtoFile(file: file, dependencies: compiled)
    }

    private static func compileFile(
        _ name: String, source: String, imports: (String) -> String?,
        compiled: inout [String: Google_Protobuf_FileDescriptorProto], visiting: inout [String]
    ) throws(ProtoSourceError) -> Google_Protobuf_FileDescriptorProto {
        var file = try ProtoParser.parse(source, file: name)
        visiting.append(name)
        defer { visiting.removeLast() }
        for dependency in file.dependency where compiled[dependency] == nil {
            if visiting.contains(dependency) {
                throw ProtoSourceError(
                    file: name, line: 0, column: 0,
                    message: "import cycle: \((visiting + [dependency]).joined(separator: " -> "))")
            }
            guard compiled.count < maxFiles else {
                throw ProtoSourceError(file: name, line: 0, column: 0, message: "more than \(maxFiles) imported files")
            }
            guard let text = imports(dependency) ?? WellKnownProtos.files[dependency] else {
                throw ProtoSourceError(
                    file: name, line: 0, column: 0,
                    message: "import \"\(dependency)\" was not found: give it as a reference named \"\(dependency)\"")
            }
            compiled[dependency] = try compileFile(
                dependency, source: text, imports: imports, compiled: &compiled, visiting: &visiting)
        }
        var visible: [Google_Protobuf_FileDescriptorProto] = []
        var seen = Set<String>()
        func addVisible(_ path: String, publicOnly: Bool) {
            guard seen.insert(path + (publicOnly ? "" : "!")).inserted, let dependency = compiled[path] else { return }
            visible.append(dependency)
            for index in dependency.publicDependency where Int(index) < dependency.dependency.count {
                addVisible(dependency.dependency[Int(index)], publicOnly: true)
            }
        }
        for path in file.dependency { addVisible(path, publicOnly: false) }
        var resolver = ProtoResolver(file: file, visible: visible)
        try resolver.resolve(&file)
        try ProtoChecks.check(file)
        return file
    }
}
