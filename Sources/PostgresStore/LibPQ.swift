import CLibPQ
import SchemaRegistryCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// libpq, loaded with `dlopen` the first time a PostgreSQL store is opened, instead of linked.
///
/// Why: libpq pulls in OpenSSL, Kerberos, LDAP, GnuTLS and a dozen more libraries, and every
/// process that maps them pays ~5 MiB of resident memory for their relocations and
/// initialisers, even a server that only ever uses its embedded SQLite store (the default).
/// Loaded on demand, only servers that use PostgreSQL pay for it.
///
/// The functions below have the names and the signatures Swift gives libpq's own, so the
/// module's calls resolve to them (a module's declarations shadow imported ones) and no
/// reference to libpq's symbols reaches the linker.
enum LibPQ {
    /// The sonames tried in turn: the runtime package's, then the development symlink.
    static let candidates = ["libpq.so.5", "libpq.so", "libpq.5.dylib", "libpq.dylib"]

    /// libpq's functions, or why they could not be loaded; resolved once, on first use.
    static let loaded: Result<Functions, RegistryError> = load()

    /// Throws the reason libpq could not be loaded (a PostgreSQL store cannot be opened then).
    static func require() throws {
        if case .failure(let error) = loaded { throw error }
    }

    /// The functions; only reached behind a store whose opening called `require()`.
    static var functions: Functions {
        switch loaded {
        case .success(let functions): functions
        case .failure(let error): preconditionFailure("libpq used without LibPQ.require(): \(error)")
        }
    }

    /// The C types of libpq's functions (as Swift imports them), by shape.
    enum F {
        typealias Connect =
            @convention(c) (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?, Int32) ->
            OpaquePointer?
        static let connectdbParams = Connect.self
        static let status = (@convention(c) (OpaquePointer?) -> ConnStatusType).self
        static let finish = (@convention(c) (OpaquePointer?) -> Void).self
        static let message = (@convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?).self
        static let count = (@convention(c) (OpaquePointer?) -> Int32).self
        static let exec = (@convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> OpaquePointer?).self
        typealias Prepare =
            @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int32, UnsafePointer<Oid>?)
            -> OpaquePointer?
        static let prepare = Prepare.self
        typealias ExecPrepared =
            @convention(c) (
                OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafePointer<UnsafePointer<CChar>?>?,
                UnsafePointer<Int32>?, UnsafePointer<Int32>?, Int32
            ) -> OpaquePointer?
        static let execPrepared = ExecPrepared.self
        static let resultStatus = (@convention(c) (OpaquePointer?) -> ExecStatusType).self
        static let field = (@convention(c) (OpaquePointer?, Int32) -> UnsafeMutablePointer<CChar>?).self
        static let getvalue = (@convention(c) (OpaquePointer?, Int32, Int32) -> UnsafeMutablePointer<CChar>?).self
        static let getisnull = (@convention(c) (OpaquePointer?, Int32, Int32) -> Int32).self
        static let notifies = (@convention(c) (OpaquePointer?) -> UnsafeMutablePointer<PGnotify>?).self
        static let freemem = (@convention(c) (UnsafeMutableRawPointer?) -> Void).self
    }

    /// libpq's functions used by this module.
    struct Functions: @unchecked Sendable {
        var connectdbParams: F.Connect
        var status: @convention(c) (OpaquePointer?) -> ConnStatusType
        var finish: @convention(c) (OpaquePointer?) -> Void
        var errorMessage: @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?
        var socket: @convention(c) (OpaquePointer?) -> Int32
        var exec: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> OpaquePointer?
        var prepare: F.Prepare
        var execPrepared: F.ExecPrepared
        var resultStatus: @convention(c) (OpaquePointer?) -> ExecStatusType
        var resultErrorMessage: @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?
        var resultErrorField: @convention(c) (OpaquePointer?, Int32) -> UnsafeMutablePointer<CChar>?
        var ntuples: @convention(c) (OpaquePointer?) -> Int32
        var nfields: @convention(c) (OpaquePointer?) -> Int32
        var getvalue: @convention(c) (OpaquePointer?, Int32, Int32) -> UnsafeMutablePointer<CChar>?
        var getisnull: @convention(c) (OpaquePointer?, Int32, Int32) -> Int32
        var clear: @convention(c) (OpaquePointer?) -> Void
        var notifies: @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<PGnotify>?
        var freemem: @convention(c) (UnsafeMutableRawPointer?) -> Void
        var consumeInput: @convention(c) (OpaquePointer?) -> Int32
    }

    private static func load() -> Result<Functions, RegistryError> {
        var reasons: [String] = []
        for name in candidates {
            guard let library = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                reasons.append(dlerror().map { String(cString: $0) } ?? name)
                continue
            }
            // Never dlclose'd: the process keeps libpq once it has a PostgreSQL store.
            var missing: [String] = []
            func symbol<T>(_ name: String, as type: T.Type) -> T? {
                guard let pointer = dlsym(library, name) else {
                    missing.append(name)
                    return nil
                }
                return unsafeBitCast(pointer, to: type)
            }
            guard let connectdbParams = symbol("PQconnectdbParams", as: F.connectdbParams),
                let status = symbol("PQstatus", as: F.status), let finish = symbol("PQfinish", as: F.finish),
                let errorMessage = symbol("PQerrorMessage", as: F.message),
                let socket = symbol("PQsocket", as: F.count), let exec = symbol("PQexec", as: F.exec),
                let prepare = symbol("PQprepare", as: F.prepare),
                let execPrepared = symbol("PQexecPrepared", as: F.execPrepared),
                let resultStatus = symbol("PQresultStatus", as: F.resultStatus),
                let resultErrorMessage = symbol("PQresultErrorMessage", as: F.message),
                let resultErrorField = symbol("PQresultErrorField", as: F.field),
                let ntuples = symbol("PQntuples", as: F.count), let nfields = symbol("PQnfields", as: F.count),
                let getvalue = symbol("PQgetvalue", as: F.getvalue),
                let getisnull = symbol("PQgetisnull", as: F.getisnull), let clear = symbol("PQclear", as: F.finish),
                let notifies = symbol("PQnotifies", as: F.notifies), let freemem = symbol("PQfreemem", as: F.freemem),
                let consumeInput = symbol("PQconsumeInput", as: F.count)
            else {
                return .failure(
                    RegistryError(.unavailable, "\(name) lacks \(missing.joined(separator: ", ")): libpq too old"))
            }
            return .success(
                Functions(
                    connectdbParams: connectdbParams, status: status, finish: finish, errorMessage: errorMessage,
                    socket: socket, exec: exec, prepare: prepare, execPrepared: execPrepared,
                    resultStatus: resultStatus, resultErrorMessage: resultErrorMessage,
                    resultErrorField: resultErrorField, ntuples: ntuples, nfields: nfields, getvalue: getvalue,
                    getisnull: getisnull, clear: clear, notifies: notifies, freemem: freemem,
                    consumeInput: consumeInput))
        }
        return .failure(
            RegistryError(
                .unavailable,
                "PostgreSQL store unavailable: libpq could not be loaded (install libpq5): "
                    + reasons.joined(separator: "; ")))
    }
}

// The module's calls to libpq go through these (same names and types as the imported ones).

func PQconnectdbParams(
    _ keywords: UnsafePointer<UnsafePointer<CChar>?>!, _ values: UnsafePointer<UnsafePointer<CChar>?>!,
    _ expandDBName: Int32
) -> OpaquePointer! {
    // Opening a connection is where a store first needs libpq: nil (no connection) when it is
    // missing, which the caller reports; the store's opening has already said why.
    guard case .success(let functions) = LibPQ.loaded else { return nil }
    return functions.connectdbParams(keywords, values, expandDBName)
}
func PQstatus(_ conn: OpaquePointer!) -> ConnStatusType { LibPQ.functions.status(conn) }
func PQfinish(_ conn: OpaquePointer!) { LibPQ.functions.finish(conn) }
func PQerrorMessage(_ conn: OpaquePointer!) -> UnsafeMutablePointer<CChar>! { LibPQ.functions.errorMessage(conn) }
func PQsocket(_ conn: OpaquePointer!) -> Int32 { LibPQ.functions.socket(conn) }
func PQexec(_ conn: OpaquePointer!, _ query: UnsafePointer<CChar>!) -> OpaquePointer! {
    LibPQ.functions.exec(conn, query)
}
func PQprepare(
    _ conn: OpaquePointer!, _ name: UnsafePointer<CChar>!, _ query: UnsafePointer<CChar>!, _ count: Int32,
    _ types: UnsafePointer<Oid>!
) -> OpaquePointer! { LibPQ.functions.prepare(conn, name, query, count, types) }
func PQexecPrepared(
    _ conn: OpaquePointer!, _ name: UnsafePointer<CChar>!, _ count: Int32,
    _ values: UnsafePointer<UnsafePointer<CChar>?>!, _ lengths: UnsafePointer<Int32>!,
    _ formats: UnsafePointer<Int32>!, _ resultFormat: Int32
) -> OpaquePointer! { LibPQ.functions.execPrepared(conn, name, count, values, lengths, formats, resultFormat) }
func PQresultStatus(_ result: OpaquePointer!) -> ExecStatusType { LibPQ.functions.resultStatus(result) }
func PQresultErrorMessage(_ result: OpaquePointer!) -> UnsafeMutablePointer<CChar>! {
    LibPQ.functions.resultErrorMessage(result)
}
func PQresultErrorField(_ result: OpaquePointer!, _ code: Int32) -> UnsafeMutablePointer<CChar>! {
    LibPQ.functions.resultErrorField(result, code)
}
func PQntuples(_ result: OpaquePointer!) -> Int32 { LibPQ.functions.ntuples(result) }
func PQnfields(_ result: OpaquePointer!) -> Int32 { LibPQ.functions.nfields(result) }
func PQgetvalue(_ result: OpaquePointer!, _ row: Int32, _ column: Int32) -> UnsafeMutablePointer<CChar>! {
    LibPQ.functions.getvalue(result, row, column)
}
func PQgetisnull(_ result: OpaquePointer!, _ row: Int32, _ column: Int32) -> Int32 {
    LibPQ.functions.getisnull(result, row, column)
}
func PQclear(_ result: OpaquePointer!) { LibPQ.functions.clear(result) }
func PQnotifies(_ conn: OpaquePointer!) -> UnsafeMutablePointer<PGnotify>! { LibPQ.functions.notifies(conn) }
func PQfreemem(_ pointer: UnsafeMutableRawPointer!) { LibPQ.functions.freemem(pointer) }
func PQconsumeInput(_ conn: OpaquePointer!) -> Int32 { LibPQ.functions.consumeInput(conn) }
