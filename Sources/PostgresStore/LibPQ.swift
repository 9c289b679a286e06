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
        typealias Status = @convention(c) (OpaquePointer?) -> ConnStatusType
        typealias Release = @convention(c) (OpaquePointer?) -> Void
        typealias Message = @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?
        typealias Count = @convention(c) (OpaquePointer?) -> Int32
        typealias Exec = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> OpaquePointer?
        typealias Prepare =
            @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int32, UnsafePointer<Oid>?)
            -> OpaquePointer?
        typealias ExecPrepared =
            @convention(c) (
                OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafePointer<UnsafePointer<CChar>?>?,
                UnsafePointer<Int32>?, UnsafePointer<Int32>?, Int32
            ) -> OpaquePointer?
        typealias ResultStatus = @convention(c) (OpaquePointer?) -> ExecStatusType
        typealias Field = @convention(c) (OpaquePointer?, Int32) -> UnsafeMutablePointer<CChar>?
        typealias Value = @convention(c) (OpaquePointer?, Int32, Int32) -> UnsafeMutablePointer<CChar>?
        typealias IsNull = @convention(c) (OpaquePointer?, Int32, Int32) -> Int32
        typealias Notifies = @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<PGnotify>?
        typealias Free = @convention(c) (UnsafeMutableRawPointer?) -> Void
    }

    /// libpq's functions used by this module.
    struct Functions: @unchecked Sendable {
        var connectdbParams: F.Connect
        var status: F.Status
        var finish: F.Release
        var errorMessage: F.Message
        var socket: F.Count
        var exec: F.Exec
        var prepare: F.Prepare
        var execPrepared: F.ExecPrepared
        var resultStatus: F.ResultStatus
        var resultErrorMessage: F.Message
        var resultErrorField: F.Field
        var ntuples: F.Count
        var nfields: F.Count
        var getvalue: F.Value
        var getisnull: F.IsNull
        var clear: F.Release
        var notifies: F.Notifies
        var freemem: F.Free
        var consumeInput: F.Count
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
            guard let connectdbParams = symbol("PQconnectdbParams", as: F.Connect.self),
                let status = symbol("PQstatus", as: F.Status.self), let finish = symbol("PQfinish", as: F.Release.self),
                let errorMessage = symbol("PQerrorMessage", as: F.Message.self),
                let socket = symbol("PQsocket", as: F.Count.self), let exec = symbol("PQexec", as: F.Exec.self),
                let prepare = symbol("PQprepare", as: F.Prepare.self),
                let execPrepared = symbol("PQexecPrepared", as: F.ExecPrepared.self),
                let resultStatus = symbol("PQresultStatus", as: F.ResultStatus.self),
                let resultErrorMessage = symbol("PQresultErrorMessage", as: F.Message.self),
                let resultErrorField = symbol("PQresultErrorField", as: F.Field.self),
                let ntuples = symbol("PQntuples", as: F.Count.self),
                let nfields = symbol("PQnfields", as: F.Count.self),
                let getvalue = symbol("PQgetvalue", as: F.Value.self),
                let getisnull = symbol("PQgetisnull", as: F.IsNull.self),
                let clear = symbol("PQclear", as: F.Release.self),
                let notifies = symbol("PQnotifies", as: F.Notifies.self),
                let freemem = symbol("PQfreemem", as: F.Free.self),
                let consumeInput = symbol("PQconsumeInput", as: F.Count.self)
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
