import SchemaRegistryCore

/// Avro's schema resolution rules as a compatibility check: can data written with the
/// writer schema be read with the reader schema? Kinds follow Avro Java's
/// `SchemaCompatibility`; locations are JSON pointers into the reader schema.
public struct AvroCompatibilityChecker: CompatibilityChecker {
    public init() {}

    public func incompatibilities(reader: ParsedSchema, writer: ParsedSchema) -> [Incompatibility] {
        guard let readerModel = AvroFormat.model(of: reader), let writerModel = AvroFormat.model(of: writer) else {
            return [Incompatibility(kind: "TYPE_MISMATCH", location: "", message: "schema is not a valid Avro schema")]
        }
        var resolution = AvroResolution(reader: readerModel, writer: writerModel)
        let found = resolution.check(readerModel.root, writerModel.root, location: AvroLocation(""))
        // The same named pair reached by two paths reports once.
        var seen: Set<Incompatibility> = []
        return found.filter { seen.insert($0).inserted }
    }
}

/// One reader/writer comparison. Named pairs are memoized, and a pair being compared is
/// assumed compatible when met again, so recursive schemas terminate.
struct AvroResolution {
    let reader: AvroModel
    let writer: AvroModel
    private var memo: [String: [Incompatibility]] = [:]

    init(reader: AvroModel, writer: AvroModel) {
        self.reader = reader
        self.writer = writer
    }

    mutating func check(_ r: AvroSchema, _ w: AvroSchema, location: AvroLocation) -> [Incompatibility] {
        if case .union(let writerBranches) = w {
            if case .union = r {
                // Every writer branch must be readable by some reader branch.
                var found: [Incompatibility] = []
                for (index, branch) in writerBranches.enumerated() where !check(r, branch, location: location).isEmpty {
                    found.append(
                        Incompatibility(
                            kind: "MISSING_UNION_BRANCH", location: location.text,
                            message:
                                "reader union lacks a branch for writer union branch \(index) (\(writer.describe(branch)))"
                        ))
                }
                return found
            }
            // Any writer branch may be the one written: each must be readable.
            return writerBranches.flatMap { check(r, $0, location: location) }
        }
        switch r {
        case .union(let readerBranches):
            if readerBranches.contains(where: { branch in
                // Branches that cannot match by kind fail without side effects; answer
                // those directly instead of building a mismatch report to throw away.
                if let quick = Self.quickMatch(branch, w) { return quick }
                return check(branch, w, location: location).isEmpty
            }) {
                return []
            }
            return [
                Incompatibility(
                    kind: "MISSING_UNION_BRANCH", location: location.text,
                    message: "reader union lacks a branch that can read writer type \(writer.describe(w))")
            ]
        case .primitive(let readerPrimitive, _):
            guard case .primitive(let writerPrimitive, _) = w else { return mismatch(r, w, location) }
            return Self.promotes(writerPrimitive, to: readerPrimitive) ? [] : mismatch(r, w, location)
        case .array(let readerItems, _):
            guard case .array(let writerItems, _) = w else { return mismatch(r, w, location) }
            return check(readerItems, writerItems, location: location.appending("/items"))
        case .map(let readerValues, _):
            guard case .map(let writerValues, _) = w else { return mismatch(r, w, location) }
            return check(readerValues, writerValues, location: location.appending("/values"))
        case .named(let readerName):
            guard case .named(let writerName) = w, let readerType = reader.namedTypes[readerName],
                let writerType = writer.namedTypes[writerName], readerType.typeName == writerType.typeName
            else { return mismatch(r, w, location) }
            let key = readerName + "\u{0}" + writerName
            if let known = memo[key] { return known }
            memo[key] = []  // in progress: assume compatible
            let found = checkNamed(readerType, writerType, location: location)
            memo[key] = found
            return found
        }
    }

    private func mismatch(_ r: AvroSchema, _ w: AvroSchema, _ location: AvroLocation) -> [Incompatibility] {
        [
            Incompatibility(
                kind: "TYPE_MISMATCH", location: location.text,
                message: "reader type \(reader.describe(r)) cannot read writer type \(writer.describe(w))")
        ]
    }

    /// Whether `check(r, w)` would come out empty, when that is known from the kinds alone
    /// (and so `check` would have no side effects); nil when `check` must decide. `w` is
    /// not a union.
    static func quickMatch(_ r: AvroSchema, _ w: AvroSchema) -> Bool? {
        switch (r, w) {
        case (.primitive(let readerPrimitive, _), .primitive(let writerPrimitive, _)):
            promotes(writerPrimitive, to: readerPrimitive)
        case (.primitive, _): false
        case (.array, .array), (.map, .map), (.named, .named), (.union, _): nil
        case (.array, _), (.map, _), (.named, _): false
        }
    }

    /// Avro's promotions: equal types, int→long/float/double, long→float/double,
    /// float→double, string↔bytes.
    static func promotes(_ writer: AvroPrimitive, to reader: AvroPrimitive) -> Bool {
        switch (writer, reader) {
        case _ where writer == reader: true
        case (.int, .long), (.int, .float), (.int, .double), (.long, .float), (.long, .double), (.float, .double):
            true
        case (.string, .bytes), (.bytes, .string): true
        default: false
        }
    }
}

/// A JSON pointer into the reader schema, rendered only when a report needs it: the
/// common step into a record field's type is kept as an index until then.
struct AvroLocation {
    private let prefix: String
    private let field: Int?

    init(_ pointer: String) {
        prefix = pointer
        field = nil
    }

    private init(prefix: String, field: Int) {
        self.prefix = prefix
        self.field = field
    }

    /// The pointer as text.
    var text: String {
        guard let field else { return prefix }
        return "\(prefix)/fields/\(field)/type"
    }

    func appending(_ suffix: String) -> AvroLocation { AvroLocation(text + suffix) }

    /// The pointer of field `index` of the record here (without "/type").
    func fieldText(_ index: Int) -> String { "\(text)/fields/\(index)" }

    /// The pointer to the type of field `index` of the record here.
    func fieldType(_ index: Int) -> AvroLocation { AvroLocation(prefix: text, field: index) }
}
