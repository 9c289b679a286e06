import Foundation
import SchemaRegistryTesting
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP/1.0 GET over a plain socket on a thread of its own: status line and body.
func httpGet(port: Int, _ path: String) async throws -> (status: Int, body: String) {
    try await httpRequest(port: port, "GET", path)
}

/// One HTTP/1.0 request (the server closes after answering) with an optional JSON body.
func httpRequest(port: Int, _ method: String, _ path: String, body: String? = nil, headers: [String] = [])
    async throws -> (status: Int, body: String)
{
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(
                with: Result {
                    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                    defer { close(fd) }
                    var address = sockaddr_in()
                    address.sin_family = sa_family_t(AF_INET)
                    address.sin_addr.s_addr = inet_addr("127.0.0.1")
                    address.sin_port = in_port_t(UInt16(port).bigEndian)
                    let connected = withUnsafePointer(to: &address) { pointer in
                        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                        }
                    }
                    guard connected else { throw POSIXError(.ECONNREFUSED) }
                    var head = "\(method) \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                    for header in headers { head += header + "\r\n" }
                    if let body {
                        head += "Content-Type: application/vnd.schemaregistry.v1+json\r\n"
                        head += "Content-Length: \(body.utf8.count)\r\n"
                    }
                    let request = Array((head + "\r\n" + (body ?? "")).utf8)
                    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                    var response: [UInt8] = []
                    var chunk = [UInt8](repeating: 0, count: 65536)
                    while true {
                        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                        if count <= 0 { break }
                        response += chunk[0..<count]
                    }
                    let text = String(decoding: response, as: UTF8.self)
                    let status = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
                    let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
                    return (status, body)
                })
        }
    }
}

extension ServerProcess {
    /// The metrics port from the "metrics endpoint bound" log line.
    func metricsPort() async throws -> Int {
        try await loggedPort("metrics endpoint bound")
    }

    /// The REST API's port from the "REST API listening" log line.
    func restPort() async throws -> Int {
        try await loggedPort("REST API listening")
    }

    private func loggedPort(_ message: String) async throws -> Int {
        for _ in 0..<300 {
            if let log = try? String(contentsOfFile: logPath, encoding: .utf8),
                let line = log.split(separator: "\n").first(where: { $0.contains(message) }),
                let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") }),
                let port = address.split(separator: ":").last.flatMap({ Int($0) })
            {
                return port
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ExternalServerError(description: "no '\(message)' in the log")
    }
}
