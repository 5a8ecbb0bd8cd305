import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import RunhooksCore
import RunhooksStore

/// An error answered to the client as `{"success": false, "error": message}`.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(status: status, body: ErrorEnvelope(error: message))
        response.headers.append(contentsOf: headers)
        return response
    }

    static func notFound(_ what: String) -> APIError { APIError(.notFound, "\(what) not found") }

    static let bodyTooLarge = APIError(
        .contentTooLarge, "Request body is larger than \(APIRequestBody.maxBytes / 1_048_576) MB")
}

extension APIError {
    /// Maps any error a route can throw to what the client sees. Unknown errors are a 500
    /// with a generic message; the details go to the log only.
    init(mapping error: any Error, logger: Logger) {
        switch error {
        case let error as APIError:
            self = error
        case let error as ValidationError:
            self.init(.badRequest, "\(error.field): \(error.message)")
        case let error as PlanLimitError:
            self.init(.forbidden, error.message)
        case let error as WriteConflictError:
            self.init(.conflict, error.message)
        case let error as HTTPError:
            switch error.status {
            case .notFound: self.init(.notFound, "Route not found")
            case .contentTooLarge:
                self = .bodyTooLarge
            default: self.init(error.status, error.body ?? error.status.reasonPhrase)
            }
        case is NIOTooManyBytesError:
            self = .bodyTooLarge
        case StoreError.duplicateEmail:
            self.init(.conflict, "An account with this email already exists")
        default:
            if let reason = StoreError.unavailability(of: error) {
                logger.error("store unavailable: \(reason)")
                self.init(.serviceUnavailable, "The data store is unavailable; try again shortly")
            } else {
                logger.error("unhandled error: \(String(reflecting: error))")
                self.init(.internalServerError, "Internal server error")
            }
        }
    }
}

struct ErrorEnvelope: Encodable {
    var success = false
    var error: String
}
