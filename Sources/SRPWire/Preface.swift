/// The connection preface: the first eight bytes a client sends.
///
/// ```
/// offset  size  value
///  0      6     89 53 52 50 0D 0A   magic: 0x89 "SRP" CR LF
///  6      2     00 01               framing version, big-endian
/// ```
/// The high first byte and the CR LF make an HTTP request, a TLS ClientHello or a line
/// mangled by a text transport fail at the first differing byte, so the server can answer
/// a clear error instead of reading "GET " as a 1 GB length.
public enum SRPPreface {
    public static let magic: [UInt8] = [0x89, 0x53, 0x52, 0x50, 0x0D, 0x0A]
    /// The framing version this implementation speaks.
    public static let version: UInt16 = 1
    public static let size = 8
    /// The whole preface for ``version``.
    public static let bytes: [UInt8] = magic + [UInt8(version >> 8), UInt8(version & 0xFF)]
}
