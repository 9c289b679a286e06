// Protobuf request decoding: byte 0 picks a method (by index into the methods sorted by wire
// id, modulo their count), the rest is decoded as that method's request message, as the
// server does with a request body. Whatever decodes must re-encode, decode to an equal
// message, and re-encode to the same bytes.
import FuzzSupport
import SRPWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    guard let selector = input.first else { return 0 }
    let method = RequestTypes.methods[Int(selector) % RequestTypes.methods.count]
    checkRoundTrip(RequestTypes.all[method]!, Array(input.dropFirst()))
    return 0
}

@main
enum Main {
    static func main() {
        _ = RequestTypes.all  // built before libFuzzer checks inputs for leaks
        runLibFuzzer(fuzz)
    }
}
