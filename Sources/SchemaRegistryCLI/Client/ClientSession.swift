import ArgumentParser
import Foundation
import SchemaRegistryClient
import Synchronization

/// One command's connection to the server, its call options and its output.
struct ClientSession {
    private let connection: SchemaRegistryClient
    let callOptions: CallOptions
    let output: Output
    private let timeout: Duration

    init(connection: SchemaRegistryClient, callOptions: CallOptions, output: Output, timeout: Duration) {
        self.connection = connection
        self.callOptions = callOptions
        self.output = output
        self.timeout = timeout
    }

    /// The client, connected: the connection opens on first use (so bad input fails before
    /// any connecting), with the handshake bounded by `--timeout-ms`.
    func client() async throws -> SchemaRegistryClient {
        try await ConnectionOptions.handshake(connection, within: timeout)
        return connection
    }
}

extension ConnectionOptions {
    /// Connects, runs `body`, closes, and turns any failure into `error: ...` on stderr and
    /// the exit code it maps to (``CLIExitCode``).
    func withSession<Value>(_ body: (ClientSession) async throws -> Value) async throws -> Value {
        try await withFailuresReported {
            let output = Output(json: json)
            let endpoint = try endpoint()
            var configuration = ClientConfiguration(host: endpoint.host, port: endpoint.port)
            configuration.clientName = "schema-registry-cli"
            configuration.apiKey = resolvedAPIKey()
            configuration.connectTimeout = max(.seconds(1), timeout)
            configuration.tls = endpointOptions.tlsConfiguration
            let client = SchemaRegistryClient(configuration: configuration)
            // On failure the process exits next; closing could wait on a stuck handshake, so only
            // a successful command closes (politely, so the server sees a clean goodbye).
            let result = try await body(
                ClientSession(connection: client, callOptions: callOptions, output: output, timeout: timeout))
            await client.close()
            return result
        }
    }

    /// Runs `body`, turning any failure into `error: ...` on stderr (a JSON document with
    /// `--json`) and the exit code it maps to (``CLIExitCode``).
    func withFailuresReported<Value>(_ body: () async throws -> Value) async throws -> Value {
        let output = Output(json: json)
        do {
            return try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch let error as CLIError {
            output.error(error.message, details: error.details, exitCode: error.exitCode)
            throw ExitCode(error.exitCode)
        } catch let error as SchemaRegistryClientError {
            let exitCode = CLIExitCode.forError(error)
            var code: Int? = nil
            if let status = error.code.status { code = Int(status.rawValue) }
            output.error(
                Self.describe(error, endpoint: try? endpoint()), details: error.details, exitCode: exitCode, code: code,
                hint: Self.hint(for: error))
            throw ExitCode(exitCode)
        } catch {
            output.error("\(error)", exitCode: CLIExitCode.unexpected)
            throw ExitCode(CLIExitCode.unexpected)
        }
    }

    static func hint(for error: SchemaRegistryClientError) -> String? {
        if error.message.contains("requires TLS") {
            return "the server requires TLS: add --tls (and --tls-ca FILE if a private CA signed its certificate)."
        }
        if error.message.hasPrefix("TLS") {
            return "check --tls-ca (the CA that signed the server's certificate) and, for mTLS, --tls-cert/--tls-key."
        }
        return switch (error.code, error.registryErrorCode) {
        case (.connectionFailed, _):
            "is the server running? Point at it with --host/--port or SCHEMA_REGISTRY_URL=host:port."
        case (.badResponse, _):
            "the other end does not seem to speak SRP: is that the registry's port?"
        case (let code, _) where code.status.map { $0.rawValue >= 1 && $0.rawValue <= 8 } ?? false:
            "the other end does not seem to speak SRP: is that the registry's port?"
        case (_, 40408): "the subject inherits the global level; --default-to-global shows it."
        case (_, 40409): "the subject inherits the global mode; --default-to-global shows it."
        case (_, 40405), (_, 40407): "a permanent delete needs a soft delete first (run it without --permanent)."
        default: nil
        }
    }

    static func describe(_ error: SchemaRegistryClientError, endpoint: (host: String, port: Int)?) -> String {
        switch error.code {
        case .connectionFailed:
            // NIO's message lists every address tried; the reason is what matters.
            let reasons = [
                ("Connection refused", "connection refused"), ("connectTimeout", "timed out"),
                ("timed out", "timed out"), ("UnknownHost", "unknown host"), ("unreachable", "unreachable"),
            ]
            guard let endpoint, let reason = reasons.first(where: { error.message.contains($0.0) })?.1 else {
                return error.message
            }
            return "cannot connect to \(endpoint.host):\(endpoint.port) (\(reason))"
        default:
            guard let status = error.code.status else { return error.message }
            if status.rawValue >= 40000 { return "\(error.message) (code \(status.rawValue))" }
            return "\(status): \(error.message)"
        }
    }

    /// Opens the connection (or checks the open one), failing with DEADLINE_EXCEEDED if the
    /// handshake does not finish in time: the client's own deadlines only cover calls, not HELLO.
    static func handshake(_ client: SchemaRegistryClient, within timeout: Duration) async throws {
        let once = Once()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            @Sendable func finish(_ result: Result<Void, any Error>) {
                if once.claim() { continuation.resume(with: result) }
            }
            let timer = Task {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                let milliseconds =
                    timeout.components.seconds * 1000
                    + timeout.components.attoseconds / 1_000_000_000_000_000
                finish(
                    .failure(
                        SchemaRegistryClientError(
                            code: .deadlineExceeded, message: "no handshake with the server within \(milliseconds) ms"))
                )
            }
            Task {
                do {
                    _ = try await client.handshake()
                    finish(.success(()))
                } catch {
                    finish(.failure(error))
                }
                timer.cancel()
            }
        }
    }
}

/// True for the first caller of ``claim()`` only.
private final class Once: Sendable {
    private let claimed = Mutex(false)

    func claim() -> Bool {
        claimed.withLock { claimed in
            defer { claimed = true }
            return !claimed
        }
    }
}
