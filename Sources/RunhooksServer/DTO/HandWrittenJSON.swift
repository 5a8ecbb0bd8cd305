import Hummingbird
import NIOCore
import RunhooksCore

/// A DTO that writes itself as `JSONEncoder` would (sorted keys, absent optionals left out), for
/// the answers where the encoder cost more than the rest of the request. Tests hold each one to
/// the encoder's bytes.
protocol HandWrittenJSON {
    func write(to output: inout JSONOutput)
}

extension JSONResponse {
    /// A response of JSON written by hand.
    static func written(_ output: JSONOutput, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: output.bytes)))
    }
}
