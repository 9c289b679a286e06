import SwiftProtobuf

/// `.proto` text -> descriptors, as protoc compiles it: imports resolved (registered references
/// by import path, the well-known types built in), type names qualified, defaults in protoc's
/// text, custom options interpreted, the rules protoc checks checked. protoc is the test oracle
/// (`ProtoOracleTests`), never a dependency.
///
/// (Named `ProtoFileCompiler` beside the older `ProtoCompiler` of `Protobuf/Parser/`, which it
/// is meant to replace: it adds groups, custom options, oneof and extension range options, and
/// locations on every error.)
public enum ProtoFileCompiler {
    /// The most files one schema may import, transitively.
    static let maxFiles = 1000

    /// Compiles `source` (named `fileName`, e.g. "orders.proto") as protoc would, with its
    /// imports resolved by `imports` (import path -> source text; nil: not found) and the
    /// well-known types (`google/protobuf/*.proto`) built in without being registered. Imports
    /// are compiled transitively (cycles are an error). Throws the first error with
    /// file:line:column.
    public static func compile(fileName: String, source: String, imports: (String) -> String?) throws(ProtoSourceError)
        -> CompiledProtoFile
    {
        try compileKeepingSymbols(fileName: fileName, source: source, imports: imports).compiled
    }

    /// ``compile(fileName:source:imports:)``, and the file's symbol table, for ``recompile``.
    static func compileKeepingSymbols(fileName: String, source: String, imports: (String) -> String?)
        throws(ProtoSourceError) -> (compiled: CompiledProtoFile, symbols: PCResolver)
    {
        var compiled: [String: Google_Protobuf_FileDescriptorProto] = [:]
        var visiting: [String] = []
        let result = try compileFile(
            fileName, source: source, imports: imports, compiled: &compiled, visiting: &visiting, checks: true,
            symbols: nil)
        return (
            CompiledProtoFile(file: result.file, dependencies: compiled, hasCustomOptions: result.hasCustomOptions),
            result.resolver
        )
    }

    /// Compiles a text that is expected to mean what `original` means (its canonical print), to
    /// check that it does; the caller compares the result with `original.file`. Cheaper than a
    /// compile, and as exact for that comparison: `original`'s imports are reused instead of
    /// compiled again; so is its symbol table (`symbols`), because the symbols are a function of
    /// the definitions, which the comparison covers; and the rule checks are skipped, because
    /// they are functions of the descriptor, which passed them as `original`.
    static func recompile(
        _ source: String, fileName: String, like original: CompiledProtoFile, symbols: PCResolver
    ) throws(ProtoSourceError) -> Google_Protobuf_FileDescriptorProto {
        var compiled = original.dependencies
        var visiting: [String] = []
        return try compileFile(
            fileName, source: source, imports: { _ in nil }, compiled: &compiled, visiting: &visiting, checks: false,
            symbols: symbols
        ).file
    }

    /// `symbols`: the symbol table to resolve this file with (else one is built from it and its
    /// imports).
    private static func compileFile(
        _ name: String, source: String, imports: (String) -> String?,
        compiled: inout [String: Google_Protobuf_FileDescriptorProto], visiting: inout [String], checks: Bool,
        symbols: PCResolver?
    ) throws(ProtoSourceError) -> (
        file: Google_Protobuf_FileDescriptorProto, resolver: PCResolver, hasCustomOptions: Bool
    ) {
        let parsed = try PCParser.parse(source, file: name)
        var file = parsed.file
        let sourceMap = PCSourceMap(file: name, text: source)
        visiting.append(name)
        defer { visiting.removeLast() }
        for (index, dependency) in file.dependency.enumerated() where compiled[dependency] == nil {
            let at = parsed.importLocations[index]
            if visiting.contains(dependency) {
                let cycle = visiting[visiting.firstIndex(of: dependency)!...] + [dependency]
                throw sourceMap.error(at: at, "file recursively imports itself: \(cycle.joined(separator: " -> "))")
            }
            guard compiled.count < maxFiles else {
                throw sourceMap.error(at: at, "more than \(maxFiles) imported files")
            }
            guard let text = imports(dependency) ?? WellKnownProtos.files[dependency] else {
                throw sourceMap.error(
                    at: at, "import \"\(dependency)\" was not found: give it as a reference named \"\(dependency)\"")
            }
            compiled[dependency] = try compileFile(
                dependency, source: text, imports: imports, compiled: &compiled, visiting: &visiting, checks: checks,
                symbols: nil
            ).file
        }
        var visible: [Google_Protobuf_FileDescriptorProto] = []
        var seen = Set<String>()
        func addVisible(_ path: String, publicOnly: Bool) {
            guard seen.insert(path).inserted, let dependency = compiled[path] else { return }
            visible.append(dependency)
            for index in dependency.publicDependency where Int(index) < dependency.dependency.count {
                addVisible(dependency.dependency[Int(index)], publicOnly: true)
            }
        }
        for path in file.dependency { addVisible(path, publicOnly: false) }
        var resolver = symbols?.reporting(to: sourceMap) ?? PCResolver(file: file, visible: visible, source: sourceMap)
        try resolver.resolve(&file)
        // The later passes see the resolved types of this file's own definitions.
        resolver.add(file, again: true)
        try PCDefaults.apply(&file, parsed.defaults, resolver: resolver, source: sourceMap)
        if checks {
            try PCChecks.check(file, source: sourceMap)
            try PCExtensionChecks.check(file, resolver: resolver, source: sourceMap)
        }
        var options = PCCustomOptions(resolver: resolver, source: sourceMap, pending: parsed.customOptions)
        try options.interpret(&file)
        return (file, resolver, !parsed.customOptions.isEmpty)
    }
}
