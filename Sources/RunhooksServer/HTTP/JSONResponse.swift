import Foundation
import Hummingbird
import NIOCore

/// Builds JSON responses in the `{success, data, message}` envelope.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()

    static func make(status: HTTPResponse.Status, body: some Encodable) -> Response {
        let data = (try? encoder.encode(body)) ?? Data(#"{"success":false,"error":"Internal server error"}"#.utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func success(_ status: HTTPResponse.Status = .ok, data: some Encodable, message: String? = nil) -> Response {
        make(status: status, body: SuccessEnvelope(data: data, message: message))
    }

    static func message(_ message: String, status: HTTPResponse.Status = .ok) -> Response {
        make(status: status, body: SuccessEnvelope<Empty>(data: nil, message: message))
    }

    struct Empty: Encodable {}
}

struct SuccessEnvelope<Payload: Encodable>: Encodable {
    var success = true
    var data: Payload?
    var message: String?

    enum CodingKeys: String, CodingKey { case success, message, data }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(success, forKey: .success)
        try container.encodeIfPresent(message, forKey: .message)
        try container.encodeIfPresent(data, forKey: .data)
    }
}
