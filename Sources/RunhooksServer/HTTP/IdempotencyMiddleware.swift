import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RunhooksCore
import RunhooksEngine
import RunhooksStore

/// `Idempotency-Key` on POST: the first request with a key runs and its response (status and
/// body) is kept for 24 hours; a repeat with the same key and the same request gets that
/// response again without the work being done twice, on whichever node it arrives (the key
/// lives in the shared store, scoped to the user). The same key with a different request is
/// 409, like a repeat while the first is still running (the IETF draft suggests 422 for the
/// former, but a request that is valid in itself is refused here for the key's history). Server errors (5xx) and 429 are not
/// kept, so a retry after one runs the request.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = RunhooksRequestContext
    static let header = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!
    /// Long enough that two different requests do not share a key by chance.
    static let keyLengths = 16...255
    /// A request still marked in progress after this long lost its node; its key is reusable.
    static let abandonAfter: TimeInterval = 300

    /// Whether the resource a POST to `path` created (a job, an alert) still exists.
    typealias CreatedResourceCheck = @Sendable (_ path: String, _ id: String, _ userId: String) async throws -> Bool?

    let store: any IdempotencyStore
    let clock: any WallClock
    let createdResourceExists: CreatedResourceCheck

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard request.method == .post, let rawKey = request.headers[Self.header] else {
            return try await next(request, context)
        }
        guard Self.keyLengths.contains(rawKey.utf8.count), rawKey.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw APIError(
                .badRequest,
                "Idempotency-Key: must be \(Self.keyLengths.lowerBound) to \(Self.keyLengths.upperBound) visible ASCII characters (a UUID is a good choice)")
        }
        let user = try context.requireUser()
        var request = request
        let body = try await request.collectBody(upTo: APIRequestBody.maxBytes)
        let key = IdempotencyKey(userId: user.id, key: rawKey)
        switch try await store.reserveIdempotencyKey(
            key, fingerprint: Self.fingerprint(request, body: body), at: clock.now(),
            window: DeliveryEngine.idempotencyWindow, abandonAfter: Self.abandonAfter)
        {
        case .replay(let stored):
            try await refuseReplayOfDeletedResource(stored, path: request.uri.path, userId: user.id)
            var headers: HTTPFields = [Self.replayedHeader: "true"]
            if let contentType = stored.contentType { headers[.contentType] = contentType }
            return Response(
                status: HTTPResponse.Status(code: stored.status), headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: stored.body)))
        case .mismatch:
            throw APIError(
                .conflict,
                "Idempotency-Key: this key was used with a different request in the last 24 hours; use a new key for a new request")
        case .inProgress:
            throw APIError(
                .conflict, "Idempotency-Key: a request with this key is still being processed; retry shortly",
                headers: [.retryAfter: "1"])
        case .reserved:
            break
        }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try APIError(mapping: error, logger: context.logger).response(from: request, context: context)
        }
        let collected = CollectedBody()
        try await response.body.write(CollectingWriter(target: collected))
        let code = response.status.code
        if code >= 500 || code == 429 {
            try? await store.releaseIdempotencyKey(key)
        } else {
            try await store.completeIdempotencyKey(
                key,
                response: StoredResponse(
                    status: code, contentType: response.headers[.contentType], body: Data(buffer: collected.buffer)))
        }
        return Response(status: response.status, headers: response.headers, body: ResponseBody(byteBuffer: collected.buffer))
    }

    /// What makes two requests "the same": method, path and query, and body, compared as JSON
    /// (key order and spacing aside) when it is JSON, else byte for byte.
    static func fingerprint(_ request: Request, body: ByteBuffer) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("\(request.method.rawValue) \(request.uri.description)\n".utf8))
        let bytes = Data(buffer: body)
        if let json = try? JSONDecoder().decode(JSONValue.self, from: bytes), let canonical = try? canonicalEncoder.encode(json) {
            hasher.update(data: canonical)
        } else {
            hasher.update(data: bytes)
        }
        return hasher.finalize().hexString
    }

    /// A creation replayed after its resource was deleted would hand out an id that answers
    /// 404; the key is spent (the request is not run again), and the client is told why.
    private func refuseReplayOfDeletedResource(_ stored: StoredResponse, path: String, userId: String) async throws {
        guard stored.status == 201,
            case .object(let envelope)? = try? JSONDecoder().decode(JSONValue.self, from: stored.body),
            case .object(let data)? = envelope["data"], case .string(let id)? = data["id"],
            try await createdResourceExists(path, id, userId) == false
        else { return }
        throw APIError(
            .conflict,
            "Idempotency-Key: what this key created (\(id)) has since been deleted; use a new key to create another")
    }

    private static let canonicalEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}

/// Where `CollectingWriter` puts a response body (a writer is consumed by the body it writes).
private final class CollectedBody: @unchecked Sendable {
    var buffer = ByteBuffer()
}

private struct CollectingWriter: ResponseBodyWriter {
    let target: CollectedBody

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        target.buffer.writeBuffer(&buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
