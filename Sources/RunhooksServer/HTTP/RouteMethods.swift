import Hummingbird
import Synchronization

/// Which methods each route answers, read from the router once every route is added: a known
/// path asked with another method gets 405 and `Allow`, `OPTIONS` gets the list.
final class RouteMethods: Sendable {
    private struct Route {
        /// nil: a captured segment, which matches any value.
        var segments: [Substring?]
        var methods: Set<String>
    }

    private let routes = Mutex<[Route]>([])
    /// The router's own responder, which answers a HEAD as the GET it stands for.
    private let getResponder = Mutex<(any HTTPResponder<RunhooksRequestContext>)?>(nil)

    func answerHEAD(with responder: any HTTPResponder<RunhooksRequestContext>) {
        getResponder.withLock { $0 = responder }
    }

    var responder: (any HTTPResponder<RunhooksRequestContext>)? { getResponder.withLock { $0 } }

    func load(_ descriptions: [(path: String, method: String)]) {
        var byPath: [String: Route] = [:]
        for (path, method) in descriptions {
            let segments = path.split(separator: "/").map { segment -> Substring? in
                segment.hasPrefix(":") || segment.hasPrefix("{") || segment == "*" ? nil : segment
            }
            byPath[path, default: Route(segments: segments, methods: [])].methods.insert(method)
        }
        routes.withLock { $0 = Array(byPath.values) }
    }

    /// The methods a path answers (empty when no route has that path).
    func allowed(for path: String) -> Set<String> {
        let parts = path.split(separator: "/")
        return routes.withLock { routes in
            var methods = Set<String>()
            for route in routes where route.segments.count == parts.count {
                if zip(route.segments, parts).allSatisfy({ $0 == nil || $0 == $1 }) { methods.formUnion(route.methods) }
            }
            return methods
        }
    }
}

/// HTTP's answers for a known path asked with a method it does not serve: `HEAD` as `GET`
/// without a body, `OPTIONS` with `Allow`, anything else 405 with `Allow`. Unknown paths stay 404.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = RunhooksRequestContext
    let routes: RouteMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let served = routes.allowed(for: request.uri.path)
            guard !served.isEmpty else { throw error }
            var methods = served.union(["OPTIONS"])
            if served.contains("GET") { methods.insert("HEAD") }
            let allow = methods.sorted().joined(separator: ", ")
            switch request.method {
            case .options:
                return Response(status: .noContent, headers: [.allow: allow])
            case .head where served.contains("GET"):
                guard let responder = routes.responder else { throw error }
                var head = request.head
                head.method = .get
                let response = try await responder.respond(to: Request(head: head, body: request.body), context: context)
                return Response(status: response.status, headers: response.headers, body: .init())
            default:
                throw APIError(
                    .methodNotAllowed, "Method \(request.method.rawValue) is not allowed on \(request.uri.path); it answers \(allow)",
                    headers: [.allow: allow])
            }
        }
    }
}
