/// The request a job sends.
public struct HTTPConfig: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable {
        case GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS
    }

    public static let defaultTimeoutMs = 30_000

    public var url: String
    public var method: Method
    public var headers: [String: String]?
    public var body: String?
    public var timeoutMs: Int

    public init(
        url: String, method: Method = .GET, headers: [String: String]? = nil, body: String? = nil,
        timeoutMs: Int = HTTPConfig.defaultTimeoutMs
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeoutMs = timeoutMs
    }
}
