import Foundation
import Hummingbird
import NIOCore
import RunhooksCore

/// Reads a JSON request body into a `JSONValue`, answering malformed input with a 400.
enum APIRequestBody {
    /// Room for a 1 MB job body after JSON escaping, plus the rest of the job.
    static let maxBytes = 3 * 1_048_576

    static func json(_ request: Request, context: some RequestContext, optional: Bool = false) async throws -> JSONValue {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.bodyTooLarge
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge
        }
        if buffer.readableBytes == 0 {
            if optional { return .object([:]) }
            throw APIError(.badRequest, "body: a JSON object is required")
        }
        if let contentType = request.headers[.contentType] {
            let mediaType = contentType.split(separator: ";").first?.withoutOptionalWhitespace.lowercased()
            guard mediaType == "application/json" || mediaType?.hasSuffix("+json") == true else {
                throw APIError(.unsupportedMediaType, "Content-Type must be application/json, got '\(contentType)'")
            }
        } else {
            throw APIError(.unsupportedMediaType, "Content-Type must be application/json")
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: buffer))
        } catch {
            throw APIError(.badRequest, "Malformed JSON body: \(describe(error))")
        }
        if let field = JSONDuplicateKeys.firstDuplicate(in: buffer.readableBytesView) {
            throw APIError(.badRequest, "\(field): appears more than once")
        }
        return value
    }

    private static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let underlying = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return "could not be parsed"
    }
}
